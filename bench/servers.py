"""Start an action server and a rasa server on free loopback ports, sample their memory, stop them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv" / "rasa" / "bin" / "rasa"
ACTIONS_PYTHON = ROOT / ".venv" / "actions" / "bin" / "python"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def offline_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", RASA_TELEMETRY_ENABLED="false", TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (from /proc), 0 once it is gone."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


class MemorySampler:
    """Peak resident memory of some processes, sampled twice a second in a background thread."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak = {name: 0 for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_bytes(pid))
            self._stop.wait(0.5)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class Bot:
    """One assistant under test: its action server and its rasa server (REST), started in that order."""

    def __init__(self, name: str, workdir: Path, logdir: Path, action_cmd: list[str], rasa_args: list[str],
                 env: dict[str, str], action_port: int, rasa_port: int) -> None:
        self.name = name
        self.workdir = workdir
        self.logdir = logdir
        self.action_cmd = action_cmd
        self.rasa_args = rasa_args
        self.env = env
        self.action_port = action_port
        self.rasa_port = rasa_port
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _start(self, role: str, cmd: list[str], ready_url: str, timeout: float) -> None:
        log = self.logdir / f"{self.name}-{role}.log"
        process = subprocess.Popen(cmd, cwd=self.workdir, env=self.env, stdout=log.open("w"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[role] = process
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{self.name} {role} server exited ({process.returncode}); see {log}")
            try:
                with urllib.request.urlopen(ready_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} {role} server not up after {timeout:.0f} s; see {log}")

    def start(self, timeout: float = 300) -> None:
        self._start("actions", self.action_cmd, f"http://127.0.0.1:{self.action_port}/health", timeout)
        rasa_cmd = [str(RASA_BIN), "run", "--interface", "127.0.0.1", "--port", str(self.rasa_port), *self.rasa_args]
        self._start("rasa", rasa_cmd, f"{self.url}/webhooks/rest/", timeout)

    def pids(self) -> dict[str, int]:
        return {role: process.pid for role, process in self.processes.items()}

    def stop(self) -> None:
        for role in ("rasa", "actions"):
            process = self.processes.pop(role, None)
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
