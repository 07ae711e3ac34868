"""Start the project's servers as child processes on free loopback ports, wait until they answer, stop them.

One harness for the tests that need real servers (tests/integration, tests/browser, tests/rasa) and for the
benchmark (bench/servers.py). Each server writes its output to a log file; when it exits or does not answer in
time, the error shows the end of that log.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACTIONS_PYTHON = Path(os.environ.get("ACTIONS_PYTHON") or ROOT / ".venv" / "actions" / "bin" / "python")
RASA_BIN = ROOT / ".venv" / "rasa" / "bin" / "rasa"
MODEL = ROOT / os.environ.get("RASA_MODEL", "models/expat-sante.tar.gz")

Ready = str | Callable[[], bool]


def rasa_run(
    port: int,
    *extra: str,
    endpoints: str | Path = "endpoints.yml",
    credentials: str | Path = "credentials.yml",
) -> list[str]:
    """The command line of a rasa server on ``127.0.0.1:port`` serving the trained model, then ``extra`` options."""
    return [
        str(RASA_BIN),
        "run",
        "--model",
        str(MODEL),
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(credentials),
        *extra,
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def offline_env(**extra: str) -> dict[str, str]:
    """This environment, offline (no model hub, no telemetry), with the project importable, plus ``extra``."""
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        RASA_TELEMETRY_ENABLED="false",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 (a health or channel URL)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _tail(log: Path, characters: int = 4000) -> str:
    try:
        return log.read_text(errors="replace")[-characters:]
    except OSError:
        return "(no log)"


def start(
    command: list[str],
    log: Path,
    env: dict[str, str],
    ready: Ready,
    *,
    cwd: Path = ROOT,
    timeout: float = 300,
    new_session: bool = False,
) -> subprocess.Popen:
    """Start ``command`` and wait until ``ready`` (a URL answering 200, or a check) holds; stop it on failure."""
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=new_session
    )
    check = (lambda: answers(ready)) if isinstance(ready, str) else ready
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} exited with {process.returncode}; {log}:\n{_tail(log)}")
        if check():
            return process
        time.sleep(0.5)
    stop([process])
    raise RuntimeError(f"{command[0]} not ready after {timeout:.0f} s; {log}:\n{_tail(log)}")


def stop(processes: Iterable[subprocess.Popen], timeout: float = 20) -> None:
    """Ask every process to stop (its whole group when it was started in a session of its own), then kill the
    ones still running after ``timeout`` seconds."""
    running = [process for process in processes if process.poll() is None]

    def signal_all(process: subprocess.Popen, number: int) -> None:
        try:
            if os.getpgid(process.pid) == process.pid:
                os.killpg(process.pid, number)
            else:
                process.send_signal(number)
        except ProcessLookupError:
            pass

    for process in running:
        signal_all(process, signal.SIGTERM)
    for process in running:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            signal_all(process, signal.SIGKILL)
            process.wait()
