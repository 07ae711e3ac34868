"""Where our time goes: `python -m bench.profile` (rasa environment; needs py-spy in the action environment).

Starts our two servers, plays a load (10 users, fresh conversations) while py-spy samples both processes, and prints
the share of CPU samples per part of the work, e.g. NLU, policies, the tracker store, calls to the action server,
sentence encoding, language identification. Used to write bench/findings.md; not part of `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

from bench.__main__ import our_bot
from bench.load import Scenario, run_scenario, warm_up
from bench.servers import ROOT

PY_SPY = ROOT / ".venv" / "actions" / "bin" / "py-spy"

#: First matching marker in a stack (outermost first) names the part of the work; order matters.
PARTS = {
    "rasa": [
        ("tracker store (SQL load/save)", ("tracker_store.py",)),
        ("action server calls (tracker to JSON, HTTP)", ("rasa/core/actions/action.py", "utils/endpoints.py")),
        ("NLU (featurizers, DIET)", ("rasa/nlu/",)),
        ("policies (TED, rules, memoization)", ("rasa/core/policies/",)),
        ("featurization for policies", ("rasa/core/featurizers/", "rasa/shared/core/trackers.py")),
        ("HTTP server and channels", ("sanic/", "rasa/core/channels/", "rasa_server/")),
    ],
    "actions": [
        ("sentence encoding (torch)", ("sentence_transformers/", "torch/", "transformers/")),
        ("lemmatisation (spaCy)", ("spacy/",)),
        ("BM25 / FAISS / fusion", ("faiss/", "bot/retrieval/")),
        ("language identification", ("lingua/", "bot/understanding/language.py")),
        ("request parsing, tracker from JSON (rasa-sdk)", ("rasa_sdk/",)),
        ("HTTP server", ("sanic/",)),
    ],
}


def classify(stack: str, parts: list[tuple[str, tuple[str, ...]]]) -> str:
    for name, markers in parts:
        if any(marker in stack for marker in markers):
            return name
    return "other"


def summarise(raw: Path, role: str) -> list[tuple[str, float]]:
    counts: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            counts[classify(stack, PARTS[role])] += int(count)
    total = sum(counts.values()) or 1
    return [(name, n / total) for name, n in counts.most_common()]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=40)
    args = parser.parse_args()
    messages = yaml.safe_load((Path(__file__).parent / "messages.yml").read_text(encoding="utf-8"))["ours"]
    logdir = ROOT / "var" / "bench" / "profile"
    logdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        bot = our_bot(Path(tmp), logdir)
        bot.start()
        try:
            asyncio.run(warm_up(bot.url, messages))
            spies = {
                role: subprocess.Popen(
                    [
                        str(PY_SPY),
                        "record",
                        "--pid",
                        str(pid),
                        "--duration",
                        str(args.seconds),
                        "--rate",
                        "50",
                        "--format",
                        "raw",
                        "--nonblocking",
                        "--output",
                        str(logdir / f"{role}.txt"),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for role, pid in bot.pids().items()
            }
            started = time.monotonic()
            result = asyncio.run(
                run_scenario(
                    bot.url, messages, Scenario("profile", args.users, 100, args.turns), budget=args.seconds - 2
                )
            )
            print(
                f"load: {len(result.latencies)} messages in {time.monotonic() - started:.0f} s, "
                f"{result.throughput:.1f} msg/s, p50 {result.percentile(50) * 1000:.0f} ms, "
                f"p95 {result.percentile(95) * 1000:.0f} ms"
            )
            for spy in spies.values():
                spy.wait(timeout=args.seconds + 60)
        finally:
            bot.stop()
    for role in ("rasa", "actions"):
        print(f"\n{role} server, share of CPU samples:")
        for name, share in summarise(logdir / f"{role}.txt", role):
            print(f"  {share:6.1%}  {name}")


if __name__ == "__main__":
    main()
