"""Language identification on the held-out NLU sets (tests/eval/nlu/{en,fr}.yml): does the reply language follow?

For every held-out message of one language, sent in a conversation that is currently in the *other* language
(the hard case: a user switching, or writing "what is the participation forfaitaire?" in a French conversation),
bot.understanding.language.choose_language either switches (right), keeps the old language because the message does
not say enough ("ok", "CPAM", "ma carte vitale is lost": undecided, by design), or switches to the wrong one (wrong).
Exit status 1 if more than --max-wrong (2 %) of a language's messages go the wrong way.

    .venv/actions/bin/python scripts/eval_language.py [--max-wrong 0.02]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from eval_nlu import TEST_SETS, examples  # noqa: E402

from bot.understanding.language import SUPPORTED, choose_language  # noqa: E402


def evaluate(lang: str) -> dict[str, list[str]]:
    other = next(code for code in SUPPORTED if code != lang)
    outcome: dict[str, list[str]] = {"switched": [], "undecided": [], "wrong": []}
    for text in sorted(examples(TEST_SETS / f"{lang}.yml")):
        choice = choose_language(current=other, pinned=False, explicit=None, channel_hint=None, text=text)
        key = "switched" if choice.language == lang else "undecided" if choice.reason == "kept" else "wrong"
        outcome[key].append(text)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-wrong", type=float, default=0.02)
    args = parser.parse_args(argv)
    print("Language of the reply, held-out messages sent in a conversation in the other language")
    print("lang  messages  switched  kept (undecided)  wrong")
    status = 0
    for lang in SUPPORTED:
        outcome = evaluate(lang)
        total = sum(len(texts) for texts in outcome.values())
        share = {key: len(texts) / total for key, texts in outcome.items()}
        print(f"{lang:4}  {total:8}  {share['switched']:8.1%}  {share['undecided']:16.1%}  {share['wrong']:5.1%}")
        for text in outcome["wrong"]:
            print(f"      wrong: {text!r}")
        if share["wrong"] > args.max_wrong:
            print(f"      more than {args.max_wrong:.0%} answered in the wrong language")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
