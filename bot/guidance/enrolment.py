"""Enrolment routes: recognise a user's situation and find the knowledge article that explains their route."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

from bot.knowledge.articles import Article, parse_article

_DATA = Path(__file__).with_name("enrolment.yml")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces: 'Salariée !' -> 'salariee'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s-]", " ", plain).split())


_fold = fold  # older name


@lru_cache(maxsize=1)
def situations() -> dict[str, dict]:
    return yaml.safe_load(_DATA.read_text(encoding="utf-8"))["situations"]


def recognise_situation(text: str | None) -> str | None:
    """The situation a free-text answer describes ('je suis étudiante' -> 'student'), or None."""
    if not text:
        return None
    folded = f" {fold(text)} "
    if folded.strip() in situations():
        return folded.strip()
    best: tuple[int, str] | None = None
    for name, entry in situations().items():
        for word in entry["words"]:
            needle = f" {fold(word)} "
            if needle.strip() and needle in folded and (best is None or len(needle) > best[0]):
                best = (len(needle), name)
    return best[1] if best else None


def guide_article(situation: str, lang: str, knowledge_dir: Path) -> Article | None:
    """The article explaining the enrolment route of ``situation`` in ``lang`` (None if it does not exist)."""
    entry = situations().get(situation)
    if entry is None:
        return None
    path = knowledge_dir / lang / f"{entry['article']}.md"
    return parse_article(path) if path.is_file() else None
