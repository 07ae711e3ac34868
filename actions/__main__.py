"""Action server: ``python -m actions`` — rasa-sdk's endpoint, on loopback by default.

Unlike ``python -m rasa_sdk``, it binds to ACTION_HOST (127.0.0.1 unless set) and loads the knowledge index and the
models before it accepts requests, so the first user does not wait for them, and a missing or mismatched index
stops the start-up with a message naming the fix. It runs rasa-sdk 3.21 for Rasa 3.6 with the shim of
actions/sdk_shim.py, whose versions it checks first.
"""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk.endpoint import create_app
from sanic import Sanic

from actions.sdk_shim import SelectiveDomainExecutor, check_versions
from bot.settings import get_settings

logger = logging.getLogger("actions")


def warm_up() -> None:
    """Load everything a first request needs: the retriever (index, embedding model, lemmatisers), language id."""
    from bot.retrieval import get_retriever
    from bot.retrieval.embedding import serve_one_thread_per_encoder
    from bot.understanding.language import identify

    serve_one_thread_per_encoder()

    # No silent rebuild here: a missing or stale index stops the start-up with a message naming the fix.
    get_retriever(build=False).search("carte vitale", k=1)
    identify("bonjour tout le monde")


async def _warm_up(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
    logger.info("loading the knowledge index and models")
    await loop.run_in_executor(None, warm_up)
    logger.info("ready")


def build_app() -> Sanic:
    check_versions()  # rasa-sdk as the shim expects it, or a start-up error naming the shim
    executor = SelectiveDomainExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=None)
    app.register_listener(_warm_up, "before_server_start")
    return app


def main() -> None:
    settings = get_settings()  # a value that cannot be used stops the start-up here, naming the variable
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")
    build_app().run(
        host=settings.action_host, port=settings.action_port, single_process=True, access_log=False, motd=False
    )


if __name__ == "__main__":
    main()
