"""The personal enrolment checklist: route, documents, forms, where and how to send, timeline, what to do while
waiting and next steps, for a situation, a nationality group and the time already spent in France.

The items live in ``checklist.yml``; each names the knowledge article it restates, and the checklist cites the
sources of those articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.guidance.enrolment import nationality_words, situations
from bot.knowledge.articles import parse_article
from bot.text import fold, longest_match

_DATA = Path(__file__).with_name("checklist.yml")

SECTIONS = ("route", "documents", "forms", "send", "timeline", "waiting", "next_steps")
NATIONALITIES = ("eu", "uk", "non_eu")  # uk: needs a residence permit like non_eu, but a UK state pension gives an S1
RESIDENCE = ("under_3_months", "3_months_or_more")
#: Situations that say the nationality group by themselves.
EU_SITUATIONS = ("eu_citizen", "eu_s1")


@lru_cache(maxsize=1)
def data() -> dict:
    return yaml.safe_load(_DATA.read_text(encoding="utf-8"))


def implied_nationality(situation: str | None) -> str | None:
    return "eu" if situation in EU_SITUATIONS else None


def three_month_rule_applies(situation: str | None) -> bool:
    """Whether the time already spent in France matters for this route (the PUMa three-month residence rule)."""
    return situation in data()["three_month_rule"]


def recognise_nationality(text: str | None) -> str | None:
    """'eu', 'uk' or 'non_eu' from a free-text answer ('je suis américaine' -> 'non_eu'), or None."""
    if not text:
        return None
    if fold(text) in NATIONALITIES:
        return fold(text)
    return longest_match(text, nationality_words())


_UNITS = {
    "day": 1 / 30,
    "jour": 1 / 30,
    "week": 0.25,
    "semaine": 0.25,
    "month": 1,
    "mois": 1,
    "year": 12,
    "an": 12,
    "annee": 12,
}
_WORD_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "un": 1,
    "une": 1,
    "two": 2,
    "deux": 2,
    "three": 3,
    "trois": 3,
    "four": 4,
    "quatre": 4,
    "five": 5,
    "cinq": 5,
    "six": 6,
    "few": 2,
    "quelques": 2,
    "couple": 2,
    "several": 3,
    "plusieurs": 3,
}
_DURATION = re.compile(r"(\d+(?:[.,]\d+)?|[a-z]+)\s+(day|jour|week|semaine|month|mois|year|annee|an)s?\b")
_JUST_ARRIVED = (
    "just arrived",
    "just moved",
    "not yet",
    "not arrived",
    "viens d arriver",
    "vient d arriver",
    "pas encore",
    "tout juste",
    "arrive demain",
    "arriving",
    "j arrive",
    "yesterday",
    "hier",
    "last week",
    "la semaine derniere",
)


def parse_residence(text: str | None) -> str | None:
    """'under_3_months' or '3_months_or_more' from '2 months', 'un an', 'je viens d'arriver'…, or None."""
    if not text:
        return None
    folded = fold(text)
    if folded in RESIDENCE:
        return folded
    for match in _DURATION.finditer(folded):
        amount, unit = match.groups()
        number = _WORD_NUMBERS.get(amount) if not amount[0].isdigit() else float(amount.replace(",", "."))
        if number is None:
            continue  # "i m an american": not a duration
        months = number * _UNITS[unit]
        if re.search(r"\b(more than|over|plus de|au moins|at least)\b", folded) and months >= 3:
            return "3_months_or_more"
        if re.search(r"\b(less than|under|moins de)\b", folded) and months <= 3:
            return "under_3_months"
        return "3_months_or_more" if months >= 3 else "under_3_months"
    if any(f" {phrase} " in f" {folded} " for phrase in _JUST_ARRIVED):
        return "under_3_months"
    return None


@dataclass(frozen=True)
class Checklist:
    situation: str
    lang: str
    items: dict[str, str]  # section -> text
    sources: tuple[tuple[str, str], ...]  # (article title, source URL), in order of first use
    reviewed: str  # the oldest review date of the cited articles (YYYY-MM-DD)

    def source_lines(self) -> str:
        return "\n".join(f"- {title}: {url}" for title, url in self.sources)


def build_checklist(
    situation: str, nationality: str | None, residence: str | None, lang: str, knowledge_dir: Path
) -> Checklist:
    """The checklist for a situation; raises KeyError for an unknown situation."""
    if situation not in situations():
        raise KeyError(situation)
    entry = data()["situations"][situation]
    chosen = {name: entry.get(name) or data()["common"].get(name) for name in SECTIONS}
    extra = []
    if not (situation == "eu_s1" and nationality in ("uk", "non_eu")):
        # An S1 holder who said they are British or from outside the EU still needs a residence permit.
        nationality = implied_nationality(situation) or nationality
    route = data().get("nationality_routes", {}).get(situation, {}).get(nationality)
    if route:
        chosen["route"] = route
    if situation == "eu_citizen" or nationality not in NATIONALITIES:
        pass  # the EU route already says what EU citizens need; an unknown group adds nothing
    elif situation != "eu_s1" or nationality in ("uk", "non_eu"):
        extra.append(data()["nationality"][nationality])
    items = {name: chosen[name][lang] for name in SECTIONS}
    for item in extra:
        items["documents"] = f"{items['documents']} {item[lang]}"
    if three_month_rule_applies(situation) and residence in RESIDENCE:
        residence_item = data().get("residence_by_situation", {}).get(situation, data()["residence"])[residence]
        items["route"] = f"{items['route']} {residence_item[lang]}"
        extra.append(residence_item)
    sources: list[tuple[str, str]] = []
    reviewed: list[str] = []
    seen: set[str] = set()
    for item in [chosen[name] for name in SECTIONS] + extra:
        if item["article"] in seen:
            continue
        seen.add(item["article"])
        article = parse_article(knowledge_dir / lang / f"{item['article']}.md")
        sources.append((article.title, article.source))
        reviewed.append(article.last_reviewed.isoformat())
    return Checklist(situation=situation, lang=lang, items=items, sources=tuple(sources), reviewed=min(reviewed))
