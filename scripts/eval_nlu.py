"""Intent and entity F1 per language on the held-out NLU test sets (tests/eval/nlu/{en,fr}.yml).

Runs `rasa test nlu` once per language with the trained model and prints, for each language, the intent F1 and
the entity F1 — both the *weighted* average (by support, Rasa's headline figure) and the *macro* average (every
intent or entity counts the same). The held-out examples are never used in training: the script first checks
that none of them appears in data/, and fails if one does. Exit status 1 if a language's weighted intent F1 is
below --min-intent-f1 (0.95, the acceptance level of issue 6).

    .venv/rasa/bin/python scripts/eval_nlu.py [--lang en fr] [--min-intent-f1 0.95]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.settings import get_settings  # noqa: E402

RASA = ROOT / ".venv" / "rasa" / "bin" / "rasa"
TEST_SETS = ROOT / "tests" / "eval" / "nlu"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def plain(example: str) -> str:
    """'I'm a [student](situation)' -> "i'm a student" (what the user typed, lower case)."""
    return " ".join(_ANNOTATION.sub(r"\1", example).lower().split())


def examples(path: Path) -> set[str]:
    found = set()
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        for line in (block.get("examples") or "").splitlines():
            if line.strip().startswith("- "):
                found.add(plain(line.strip()[2:]))
    return found


def leaked(test_set: Path) -> set[str]:
    training = set().union(*(examples(path) for path in (ROOT / "data").rglob("*.yml")))
    return examples(test_set) & training


def averages(report: dict) -> tuple[float | None, float | None]:
    """(weighted F1, macro F1) of a Rasa classification report, None when it holds nothing."""
    weighted = (report.get("weighted avg") or {}).get("f1-score")
    macro = (report.get("macro avg") or {}).get("f1-score")
    return weighted, macro


def evaluate(lang: str, model: Path) -> dict:
    test_set = TEST_SETS / f"{lang}.yml"
    out = ROOT / "var" / "eval" / "nlu" / lang
    log = ROOT / "var" / "log" / f"eval_nlu_{lang}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out, ignore_errors=True)  # no report of an earlier model's components
    result = subprocess.run(
        [str(RASA), "test", "nlu", "--model", str(model), "--nlu", str(test_set), "--out", str(out)],
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"rasa test nlu failed for {lang} (log: {log.relative_to(ROOT)})")
    intents = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    # The entity extractor's report (DIETClassifier_report.json, CRFEntityExtractor_report.json, ...).
    reports = [path for path in out.glob("*_report.json") if path.name != "intent_report.json"]
    entities = json.loads(reports[0].read_text(encoding="utf-8")) if reports else {}
    errors = out / "intent_errors.json"
    return {
        "intent": averages(intents),
        "entity": averages(entities),
        "examples": sum(
            v.get("support", 0)
            for k, v in intents.items()
            if isinstance(v, dict) and "avg" not in k and k != "accuracy"
        ),
        "errors": json.loads(errors.read_text(encoding="utf-8")) if errors.exists() else [],
    }


def fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", nargs="+", default=["en", "fr"], choices=["en", "fr"])
    parser.add_argument("--min-intent-f1", type=float, default=0.95)
    args = parser.parse_args(argv)
    model = get_settings().rasa_model
    if not model.exists():
        print(f"error: no trained model at {model}: run `make train`", file=sys.stderr)
        return 2
    failed = False
    for lang in args.lang:
        leaks = leaked(TEST_SETS / f"{lang}.yml")
        if leaks:
            print(f"error: held-out {lang} examples found in data/ (remove them from training): {sorted(leaks)}")
            failed = True
    if failed:
        return 1
    print("NLU on the held-out sets (tests/eval/nlu): F1 weighted by support / macro")
    print("lang  examples  intent F1 (w / macro)   entity F1 (w / macro)")
    for lang in args.lang:
        scores = evaluate(lang, model)
        (iw, im), (ew, em) = scores["intent"], scores["entity"]
        print(f"{lang:4}  {scores['examples']:8}  {fmt(iw)} / {fmt(im)}         {fmt(ew)} / {fmt(em)}")
        for error in scores["errors"][:10]:
            print(
                f"      wrong: {error.get('text')!r} -> {error.get('intent_prediction', {}).get('name')}"
                f" (expected {error.get('intent')})"
            )
        if iw is None or iw < args.min_intent_f1:
            print(f"      intent F1 below {args.min_intent_f1}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
