"""Start the real action server and rasa server on free loopback ports, once per test session.

The tests talk to them only over HTTP, as a channel or an integrator would. They need `make install index train`
(which `make test` runs first).
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.processes import (
    ACTIONS_PYTHON,
    MODEL,
    ROOT,  # noqa: F401  (the tests import it from here)
    free_port,
    offline_env,
    rasa_run,
    start,
    stop,
)


class Servers:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.action_port = free_port()
        self.rasa_port = free_port()
        self.env = offline_env(
            ACTION_PORT=str(self.action_port),
            RASA_PORT=str(self.rasa_port),
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            TRACKER_DIALECT="sqlite",
            TRACKER_DB=str(tmp / "tracker.db"),
            ACTION_HOST="127.0.0.1",
        )
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start_actions(self) -> None:
        self.processes["actions"] = start(
            [str(ACTIONS_PYTHON), "-m", "actions"],
            self.tmp / "actions.log",
            self.env,
            f"http://127.0.0.1:{self.action_port}/health",
        )

    def start_rasa(self) -> None:
        self.processes["rasa"] = start(
            rasa_run(self.rasa_port),
            self.tmp / "rasa.log",
            self.env,
            f"{self.url}/webhooks/rest/",
        )

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            stop([process])

    def send(self, sender: str, message: str, **extra: object) -> list[dict]:
        body = {"sender": sender, "message": message, **extra}
        response = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=120)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it first)")
    running = Servers(tmp_path_factory.mktemp("servers"))
    try:
        running.start_actions()
        running.start_rasa()
        yield running
    finally:
        for name in list(running.processes):
            running.stop(name)


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def texts(replies: list[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies if reply.get("text"))
