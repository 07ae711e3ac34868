"""A stalled, incomplete, lost or refused CPAM file: what happened, since when, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from bot.guidance.checklist import parse_residence
from bot.knowledge.articles import Section, parse_article
from bot.text import fold, longest_match

ARTICLE = "lost-or-stalled-file"


class _Status(TypedDict):
    section: int  # the index of the article's section that answers it
    letter: str | None  # the letter the user can send, if any


#: What happened -> the section of the article that answers it, and the letter (if any) the user can send.
STATUSES: dict[str, _Status] = {
    "no_news": {"section": 0, "letter": "letter-stalled-file"},
    "documents_requested": {"section": 1, "letter": "letter-missing-documents"},
    "lost": {"section": 2, "letter": "letter-stalled-file"},
    "refused": {"section": 3, "letter": None},
}
SINCE = ("under_3_months", "3_months_or_more")

_WORDS = {  # EN/FR, accents and punctuation ignored; longest match wins
    "no_news": [
        "no news",
        "no answer",
        "no reply",
        "no response",
        "heard nothing",
        "nothing",
        "stuck",
        "stalled",
        "waiting",
        "still waiting",
        "pending",
        "blocked",
        "aucune nouvelle",
        "pas de nouvelles",
        "sans nouvelles",
        "pas de reponse",
        "aucune reponse",
        "sans reponse",
        "rien recu",
        "bloque",
        "bloquee",
        "en attente",
        "j attends",
        "toujours rien",
        "ca traine",
        "no news at all",
    ],
    "documents_requested": [
        "documents requested",
        "asked for documents",
        "asked for more documents",
        "missing documents",
        "missing document",
        "more documents",
        "a document is missing",
        "incomplete",
        "piece manquante",
        "pieces manquantes",
        "pieces justificatives",
        "ils demandent des documents",
        "demande de pieces",
        "dossier incomplet",
        "incomplet",
        "documents",
        "document",
        "pieces",
        "justificatif",
    ],
    "lost": [
        "lost",
        "file lost",
        "never received",
        "no record",
        "they lost",
        "perdu",
        "dossier perdu",
        "jamais recu",
        "pas recu mon dossier",
        "egare",
        "introuvable",
    ],
    "refused": [
        "refused",
        "refusal",
        "rejected",
        "denied",
        "turned down",
        "refus",
        "refuse",
        "refusee",
        "rejete",
        "rejetee",
        "rejet",
        "decision negative",
    ],
}


def recognise_status(text: str | None) -> str | None:
    if not text:
        return None
    if fold(text) in STATUSES:
        return fold(text)
    return longest_match(text, _WORDS)


def parse_since(text: str | None) -> str | None:
    """'under_3_months' or '3_months_or_more' from '6 weeks', 'depuis 5 mois', 'a year'…, or None."""
    return parse_residence(text)


@dataclass(frozen=True)
class FileAdvice:
    status: str
    steps: Section
    letter_id: str | None
    title: str
    source: str
    reviewed: str


def advice(status: str, lang: str, knowledge_dir: Path) -> FileAdvice:
    """The knowledge section with the steps for ``status`` and the letter to offer. Raises KeyError."""
    entry = STATUSES[status]
    article = parse_article(knowledge_dir / lang / f"{ARTICLE}.md")
    section = article.sections[entry["section"]]
    return FileAdvice(
        status=status,
        steps=section,
        letter_id=entry["letter"],
        title=article.title,
        source=section.source or article.source,
        reviewed=article.last_reviewed.isoformat(),
    )
