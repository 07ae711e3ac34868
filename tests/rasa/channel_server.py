"""Input channels on a real Sanic server on loopback, mounted by Rasa's own ``register`` as ``rasa run`` mounts them,
for the tests that talk to a connector over HTTP (tests/rasa/test_patches.py, the Telegram tests)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from itertools import count
from typing import Any

_apps = count()


@asynccontextmanager
async def serve_channels(
    channels: list[Any], agent: Any, name: str, cors_origins: list[str] | None = None
) -> AsyncIterator[str]:
    """Serve ``channels`` under /webhooks/ with ``agent`` standing in for Rasa's Agent; yields the base URL.

    ``cors_origins``: Sanic-CORS configured as ``rasa run --cors`` does. On exit the app leaves Sanic's registry,
    where ``rasa_server.base._agent()`` looks for the agent, so that one test's app is never another's."""
    from rasa.core.channels.channel import register
    from sanic import Sanic

    Sanic.test_mode = True  # several apps in one process, as sanic-testing sets it
    app = Sanic(f"{name}_{next(_apps)}", configure_logging=False)
    app.ctx.agent = agent
    if cors_origins is not None:
        from sanic_cors import CORS

        CORS(app, resources={r"/*": {"origins": cors_origins}}, automatic_options=True)  # as rasa.server does
    register(channels, app, route="/webhooks/")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    if cors_origins is not None:
        await server.before_start()  # Sanic-CORS installs its middleware here
    await server.start_serving()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
        sock.close()
        del app.ctx.agent
        Sanic._app_registry.pop(app.name, None)
