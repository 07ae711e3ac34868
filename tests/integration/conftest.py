"""Start the real action server and rasa server on free loopback ports, once per test session.

The tests talk to them only over HTTP, as a channel or an integrator would. They need `make install index train`
(which `make test` runs first).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ACTIONS_PYTHON = Path(os.environ.get("ACTIONS_PYTHON", ROOT / ".venv" / "actions" / "bin" / "python"))
RASA_BIN = Path(sys.executable).parent / "rasa"
MODEL = ROOT / os.environ.get("RASA_MODEL", "models/expat-sante.tar.gz")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}; log:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not up after {timeout} s; log:\n{log.read_text()[-4000:]}")


class Servers:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.action_port = free_port()
        self.rasa_port = free_port()
        self.env = dict(os.environ)
        self.env.update(
            ACTION_PORT=str(self.action_port),
            RASA_PORT=str(self.rasa_port),
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            TRACKER_DIALECT="sqlite",
            TRACKER_DB=str(tmp / "tracker.db"),
            ACTION_HOST="127.0.0.1",
            PYTHONPATH=str(ROOT),
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            RASA_TELEMETRY_ENABLED="false",
        )
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start_actions(self) -> None:
        log = self.tmp / "actions.log"
        self.processes["actions"] = subprocess.Popen(
            [str(ACTIONS_PYTHON), "-m", "actions"],
            cwd=ROOT, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )
        wait_until_up(f"http://127.0.0.1:{self.action_port}/health", self.processes["actions"], log)

    def start_rasa(self) -> None:
        log = self.tmp / "rasa.log"
        self.processes["rasa"] = subprocess.Popen(
            [str(RASA_BIN), "run", "--model", str(MODEL), "--interface", "127.0.0.1", "--port", str(self.rasa_port),
             "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
            cwd=ROOT, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )
        wait_until_up(f"{self.url}/webhooks/rest/", self.processes["rasa"], log)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

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
