"""Do two trained models read the held-out NLU messages the same way? (issue 18: training is repeatable)

    .venv/rasa/bin/python scripts/compare_models.py MODEL_A MODEL_B

Parses every message of tests/eval/nlu/{en,fr}.yml with both models and reports how many get the same intent, and
the same intent with the same confidence (6 decimals); lists the others. Exit code 1 when any message differs.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)|\[([^\]]+)\]\{[^}]+\}")


def held_out_messages() -> list[str]:
    messages = []
    for lang in ("en", "fr"):
        data = yaml.safe_load((ROOT / "tests" / "eval" / "nlu" / f"{lang}.yml").read_text(encoding="utf-8"))
        for block in data.get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    messages.append(ANNOTATION.sub(lambda m: m.group(1) or m.group(2), line[2:]))
    return messages


async def readings(model: str, messages: list[str]) -> list[tuple[str, float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    found = []
    for text in messages:
        parsed = await agent.parse_message(text)
        found.append((parsed["intent"]["name"], round(parsed["intent"]["confidence"], 6)))
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    logging.disable(logging.WARNING)
    messages = held_out_messages()
    first, second = (asyncio.run(readings(model, messages)) for model in argv)
    same_intent = sum(a[0] == b[0] for a, b in zip(first, second, strict=True))
    same = sum(a == b for a, b in zip(first, second, strict=True))
    print(f"{len(messages)} held-out messages: same intent {same_intent}, same intent and confidence {same}")
    for text, a, b in zip(messages, first, second, strict=True):
        if a != b:
            print(f"  differs: {text!r}: {a} / {b}")
    return 0 if same == len(messages) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
