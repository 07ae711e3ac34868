"""Enrolment routes: recognise a user's situation. ``enrolment.yml`` names the knowledge article that explains each
route (the retriever finds it: ``actions.answer_first.context_articles``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.text import fold, longest_match

_DATA = Path(__file__).with_name("enrolment.yml")


@lru_cache(maxsize=1)
def _data() -> dict:
    return yaml.safe_load(_DATA.read_text(encoding="utf-8"))


def situations() -> dict[str, dict]:
    return _data()["situations"]


def nationality_words() -> dict[str, list[str]]:
    """The words of each nationality group ('eu', 'uk', 'non_eu'), for the checklist's question."""
    return _data()["nationality"]


def recognise_situation(text: str | None) -> str | None:
    """The situation a free-text answer describes ('je suis étudiante' -> 'student'), or None."""
    if not text:
        return None
    if fold(text) in situations():
        return fold(text)
    return longest_match(text, {name: entry["words"] for name, entry in situations().items()})
