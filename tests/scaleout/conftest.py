"""The loopback scale-out (deploy/scaleout.sh), started once for the session on free ports and removed afterwards.

Runs with the rasa environment's Python. Needs `make install index train`, root (or sudo) for apt-get the first
time, and about 3 GB of memory for the two rasa and two action servers.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "scaleout.sh"


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class ScaleOut:
    directory: Path
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['SCALEOUT_PORT']}"

    def secret(self, name: str) -> str:
        for line in (self.directory / "secrets.env").read_text().splitlines():
            key, _, value = line.partition("=")
            if key == name:
                return value
        raise KeyError(name)

    def pg_connect(self):
        import psycopg2

        return psycopg2.connect(
            host="127.0.0.1",
            port=int(self.env["SCALEOUT_PG_PORT"]),
            dbname="expat_sante",
            user="expat_sante",
            password=self.secret("SCALEOUT_PG_PASSWORD"),
        )

    def rasa_pids(self) -> list[int]:
        return [int(path.read_text()) for path in sorted((self.directory / "run").glob("rasa-*.pid"))]

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
            for log in sorted((self.directory / "log").glob("*.log"))
        )


@pytest.fixture(scope="session")
def scaleout() -> Iterator[ScaleOut]:
    directory = ROOT / "var" / "scaleout" / "test"
    nginx, rasa1, rasa2, act1, act2, act_lb, pg, redis = free_ports(8)
    env = dict(os.environ)
    env.update(
        SCALEOUT_DIR=str(directory),
        SCALEOUT_PORT=str(nginx),
        SCALEOUT_RASA_PORTS=f"{rasa1} {rasa2}",
        SCALEOUT_ACTION_PORTS=f"{act1} {act2}",
        SCALEOUT_ACTION_LB_PORT=str(act_lb),
        SCALEOUT_PG_PORT=str(pg),
        SCALEOUT_REDIS_PORT=str(redis),
    )
    for name in ("SCALEOUT_PG_PASSWORD", "SCALEOUT_REDIS_PASSWORD"):
        env.pop(name, None)  # fresh generated passwords for a fresh cluster
    # The rasa servers share the per-sender rate limit through the scale-out's Redis (test_shared_rate_limit.py);
    # 10 a minute is above what any conversation of test_scaleout.py sends.
    env["SCALEOUT_REDIS_PASSWORD"] = secrets.token_hex(16)
    env.update(
        RATE_LIMIT_PER_MINUTE="10",
        RATE_LIMIT_REDIS_URL=f"redis://:{env['SCALEOUT_REDIS_PASSWORD']}@127.0.0.1:{redis}/2",
    )
    subprocess.run([str(SCRIPT), "down", "--purge"], cwd=ROOT, env=env, check=False, capture_output=True)
    running = ScaleOut(directory, env)
    try:
        started = subprocess.run([str(SCRIPT), "up"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        if started.returncode != 0:
            pytest.fail(f"deploy/scaleout.sh up failed:\n{started.stdout}\n{started.stderr}\n{running.logs()}")
        yield running
    finally:
        # Keep the servers' logs for a failed run to be read (the data itself is deleted).
        if (directory / "log").is_dir():
            shutil.copytree(directory / "log", ROOT / "var" / "log" / "scaleout-test", dirs_exist_ok=True)
        subprocess.run([str(SCRIPT), "down", "--purge"], cwd=ROOT, env=env, check=False, timeout=300)
