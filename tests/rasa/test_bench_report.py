"""The benchmark's verdicts are issue 18's acceptance: ratios to the reference in the same run, and the memory bound."""

from __future__ import annotations

from bench.report import targets


def row(bot: str, scenario: str, **values: float) -> dict:
    base = {"throughput": 10.0, "p50_ms": 50.0, "p95_ms": 500.0, "rss_rasa_mb": 700.0, "rss_actions_mb": 400.0}
    return {"bot": bot, "scenario": scenario, **base, **values}


def verdicts(results: dict) -> dict[str, tuple[float | None, bool | None]]:
    return {t["label"]: (t["ratio"], t["met"]) for t in targets(results)}


def test_targets_are_the_issues_ratios_training_and_memory():
    results = {
        "rows": [
            row("reference", "1 user", p50_ms=40.0),
            row("ours", "1 user", p50_ms=40.0),  # exactly 1.0: met
            row("reference", "20 users", throughput=20.0, p95_ms=2000.0),
            row("ours", "20 users", throughput=29.0, p95_ms=1700.0, rss_rasa_mb=1000.0, rss_actions_mb=700.0),
            row("reference", "20 users, 100 turns", throughput=10.0),
            row("ours", "20 users, 100 turns", throughput=10.0),
        ],
        "builds": {"ours train": 100.0, "reference train": 60.0},
    }
    found = verdicts(results)
    assert found["1 user p50 latency"] == (1.0, True)
    assert found["20 users throughput"] == (1.45, False)  # 1.5 times the reference's is the target
    assert found["20 users p95 latency"] == (0.85, False)  # 0.8 times its p95
    assert found["100-turn conversations, 20 users: throughput"] == (1.0, True)
    assert found["100-turn conversations, 20 users: p95 latency (reported)"][1] is None
    ratio, met = found["training (`rasa train --force`)"]
    assert round(ratio, 3) == 1.667 and met is False
    assert found["both servers' peak resident memory, 20-user load"] == (None, False)  # 1700 MB > 1600 MB


def test_a_run_without_builds_or_memory_reports_only_what_it_measured():
    results = {"rows": [row("reference", "1 user"), row("ours", "1 user", p50_ms=25.0)], "builds": {}}
    assert verdicts(results) == {"1 user p50 latency": (0.5, True)}
