"""`python -m bench [--quick] [--out docs/benchmarks.md]` (rasa environment; `make bench` runs it).

In one run, one after the other: the reference bot (`rasa init` + one custom action) and ours, under the same REST
loads (1, 10 and 20 concurrent users with fresh 30-message conversations, then 20 users with 100-turn ones), plus
our training time, index build time and retrieval-only latency. Writes docs/benchmarks.md and var/bench/results.json.
BENCH_QUICK=1 (or --quick) uses small counts for development: its figures are not the ones to publish.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench import reference_bot, report
from bench.load import Scenario, run_scenario, warm_up
from bench.servers import ACTIONS_PYTHON, RASA_BIN, ROOT, Bot, MemorySampler, free_port, offline_env
from bot.settings import get_settings

FULL = [
    Scenario("1 user", 1, 3, 30),
    Scenario("10 users", 10, 1, 30),
    Scenario("20 users", 20, 2, 30),
    Scenario("20 users, 100 turns", 20, 1, 100),
]
QUICK = [
    Scenario("1 user", 1, 1, 10),
    Scenario("10 users", 10, 1, 5),
    Scenario("20 users", 20, 1, 5),
    Scenario("20 users, 100 turns", 5, 1, 20),
]
RETRIEVAL_SCRIPT = ROOT / "scripts" / "bench_retrieval.py"


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(cmd: list[str], log: Path, **env: str) -> float:
    started = time.perf_counter()
    with log.open("w") as out:
        completed = subprocess.run(cmd, cwd=ROOT, env=offline_env(**env), stdout=out, stderr=subprocess.STDOUT)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed ({completed.returncode}); see {log}")
    return time.perf_counter() - started


def our_bot(workdir: Path, logdir: Path) -> Bot:
    action_port, rasa_port = free_port(), free_port()
    env = offline_env(
        ACTION_PORT=str(action_port),
        ACTION_HOST="127.0.0.1",
        RASA_PORT=str(rasa_port),
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook",
        TRACKER_DIALECT="sqlite",
        TRACKER_DB=str(workdir / "tracker.db"),
        LOG_LEVEL="WARNING",
        # Fresh conversations at full speed would hit the per-sender limit: the bench measures the dialogue.
        RATE_LIMIT_PER_MINUTE="0",
    )
    model = get_settings().rasa_model
    return Bot(
        "ours",
        ROOT,
        logdir,
        action_cmd=[str(ACTIONS_PYTHON), "-m", "actions"],
        rasa_args=["--model", str(model), "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
        env=env,
        action_port=action_port,
        rasa_port=rasa_port,
    )


def measure(bot: Bot, messages: list[str], scenarios: list[Scenario], budget: float) -> list[dict]:
    progress(f"{bot.name}: starting the action server and the rasa server")
    bot.start()
    rows = []
    try:
        asyncio.run(warm_up(bot.url, messages))
        with MemorySampler(bot.pids()) as memory:
            for scenario in scenarios:
                progress(f"{bot.name}: {scenario.name} ({scenario.messages} messages)")
                # Long conversations get twice the budget: their point is the late turns.
                limit = budget * (2 if scenario.turns >= 100 else 1)
                result = asyncio.run(run_scenario(bot.url, messages, scenario, budget=limit))
                rows.append(report.row(bot.name, result))
                progress(f"{bot.name}: {scenario.name}: {report.summary(rows[-1])}")
        for row in rows:
            row["rss_rasa_mb"] = memory.peak["rasa"] / 2**20
            row["rss_actions_mb"] = memory.peak["actions"] / 2**20
    finally:
        bot.stop()
    return rows


def retrieval_latency(logdir: Path) -> str | None:
    """Output of scripts/bench_retrieval.py (the retrieval engineer's measure), reused as it is."""
    if not RETRIEVAL_SCRIPT.exists():
        return None
    progress("retrieval-only latency (scripts/bench_retrieval.py)")
    completed = subprocess.run(
        [str(ACTIONS_PYTHON), str(RETRIEVAL_SCRIPT)],
        cwd=ROOT,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    (logdir / "retrieval.log").write_text(completed.stdout + completed.stderr)
    if completed.returncode != 0:
        return f"scripts/bench_retrieval.py failed (exit {completed.returncode}); see var/bench/logs/retrieval.log"
    return completed.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=settings.bench_quick,
        help="small counts, for development (also BENCH_QUICK=1)",
    )
    parser.add_argument(
        "--skip-builds",
        action="store_true",
        default=settings.bench_skip_builds,
        help="do not time training and index builds (also BENCH_SKIP_BUILDS=1)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=settings.bench_budget_s,
        help="seconds after which a load stops sending, twice that for 100-turn conversations "
        "(also BENCH_BUDGET_S; default 150)",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="RESULTS",
        help="only rewrite the markdown from a saved var/bench/results.json (no measuring)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    args.out = args.out.resolve()
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        args.out.write_text(report.markdown(saved, []), encoding="utf-8")
        print(f"{args.out.relative_to(ROOT)} rewritten from {args.from_json}")
        return 0

    started = time.monotonic()
    workdir = ROOT / "var" / "bench"
    logdir = workdir / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    scenarios = QUICK if args.quick else FULL
    mixes = yaml.safe_load((Path(__file__).parent / "messages.yml").read_text(encoding="utf-8"))
    results: dict = {"quick": args.quick, "machine": report.machine_info(), "builds": {}, "rows": []}
    progress(f"{'quick' if args.quick else 'full'} run; machine: {results['machine']['summary']}")

    progress("reference bot: rasa init + one custom action + training (var/bench/reference)")
    reference_times = reference_bot.generate(workdir / "reference", logdir, reuse=True)
    results["builds"].update({f"reference {name}": seconds for name, seconds in reference_times.items()})

    if not args.skip_builds:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            progress("our training (rasa train --force into a temporary directory)")
            results["builds"]["ours train"] = timed(
                [
                    str(RASA_BIN),
                    "train",
                    "--domain",
                    "domain.yml",
                    "--data",
                    "data",
                    "--config",
                    "config.yml",
                    "--out",
                    tmp,
                    "--force",
                ],
                logdir / "ours-train.log",
            )
            progress("our index build (python -m bot index --force into a temporary INDEX_DIR)")
            results["builds"]["ours index"] = timed(
                [str(ACTIONS_PYTHON), "-m", "bot", "index", "--force"],
                logdir / "ours-index.log",
                INDEX_DIR=str(Path(tmp) / "index"),
            )
    results["retrieval"] = retrieval_latency(logdir)

    reference = reference_bot.bot(workdir / "reference", logdir)
    results["rows"] += measure(reference, mixes["reference"], scenarios, args.budget)
    with tempfile.TemporaryDirectory(prefix="bench-ours-") as tmp:
        results["rows"] += measure(our_bot(Path(tmp), logdir), mixes["ours"], scenarios, args.budget)

    results["machine"]["load_end"] = os.getloadavg()
    results["seconds"] = time.monotonic() - started
    (workdir / "results.json").write_text(json.dumps(results, indent=2, default=str))
    args.out.write_text(report.markdown(results, scenarios), encoding="utf-8")
    progress(f"done in {results['seconds'] / 60:.1f} min: {args.out.relative_to(ROOT)} and var/bench/results.json")
    for line in report.target_lines(results):
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
