"""The framework's floor: the `rasa init` assistant with one custom action, generated under var/ at bench time.

Only the difference from `rasa init` is kept in the repository (bench/reference/): the enabled `action_hello_world`
and the rule that calls it. The tracker store stays rasa init's default (in memory), as a plain assistant has it.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from pathlib import Path

from bench.servers import ACTIONS_PYTHON, RASA_BIN, Bot, free_port, offline_env

TEMPLATE = Path(__file__).resolve().parent / "reference"
MODEL_NAME = "reference"


def _template_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(TEMPLATE.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _run(cmd: list[str], cwd: Path, log: Path) -> float:
    """Run a command to completion, its output in a log; the time it took, in seconds."""
    started = time.perf_counter()
    with log.open("w") as out:
        completed = subprocess.run(cmd, cwd=cwd, env=offline_env(), stdout=out, stderr=subprocess.STDOUT)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({completed.returncode}); see {log}")
    return time.perf_counter() - started


def generate(directory: Path, logdir: Path, reuse: bool = False) -> dict[str, float]:
    """`rasa init` into the directory, add the custom action, train it; the times taken (seconds)."""
    stamp = directory / ".bench-template"
    model = directory / "models" / f"{MODEL_NAME}.tar.gz"
    if reuse and model.exists() and stamp.exists() and stamp.read_text() == _template_hash():
        return {}
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    times = {
        "init": _run(
            [str(RASA_BIN), "init", "--no-prompt", "--init-dir", str(directory)],
            directory,
            logdir / "reference-init.log",
        )
    }
    shutil.copy(TEMPLATE / "actions.py", directory / "actions" / "actions.py")
    shutil.copy(TEMPLATE / "rules.yml", directory / "data" / "rules.yml")
    with (directory / "domain.yml").open("a", encoding="utf-8") as domain:
        domain.write("\nactions:\n  - action_hello_world\n")
    times["train"] = _run(
        [str(RASA_BIN), "train", "--force", "--out", "models", "--fixed-model-name", MODEL_NAME],
        directory,
        logdir / "reference-train.log",
    )
    stamp.write_text(_template_hash())
    return times


def bot(directory: Path, logdir: Path) -> Bot:
    """The generated reference, ready to start: rasa-sdk's plain server and `rasa run` with its model."""
    action_port, rasa_port = free_port(), free_port()
    (directory / "endpoints.yml").write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n")
    return Bot(
        "reference",
        directory,
        logdir,
        action_cmd=[str(ACTIONS_PYTHON), "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
        rasa_args=["--model", str(directory / "models" / f"{MODEL_NAME}.tar.gz"), "--endpoints", "endpoints.yml"],
        env=offline_env(PYTHONPATH=str(directory)),
        action_port=action_port,
        rasa_port=rasa_port,
    )
