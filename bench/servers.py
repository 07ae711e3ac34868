"""Start an action server and a rasa server on free loopback ports (tests/support/processes.py), sample their
memory, stop them."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from tests.support.processes import ACTIONS_PYTHON, RASA_BIN, ROOT, free_port, offline_env, start, stop

__all__ = ["ACTIONS_PYTHON", "RASA_BIN", "ROOT", "Bot", "MemorySampler", "free_port", "offline_env", "rss_bytes"]


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
        self.peak = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_bytes(pid))
            self._stop.wait(0.5)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class Bot:
    """One assistant under test: its action server and its rasa server (REST), started in that order."""

    def __init__(
        self,
        name: str,
        workdir: Path,
        logdir: Path,
        action_cmd: list[str],
        rasa_args: list[str],
        env: dict[str, str],
        action_port: int,
        rasa_port: int,
    ) -> None:
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
        self.processes[role] = start(cmd, log, self.env, ready_url, cwd=self.workdir, timeout=timeout, new_session=True)

    def start(self, timeout: float = 300) -> None:
        self._start("actions", self.action_cmd, f"http://127.0.0.1:{self.action_port}/health", timeout)
        rasa_cmd = [str(RASA_BIN), "run", "--interface", "127.0.0.1", "--port", str(self.rasa_port), *self.rasa_args]
        self._start("rasa", rasa_cmd, f"{self.url}/webhooks/rest/", timeout)

    def pids(self) -> dict[str, int]:
        return {role: process.pid for role, process in self.processes.items()}

    def stop(self) -> None:
        stop([self.processes.pop(role) for role in ("rasa", "actions") if role in self.processes])
