"""Emergency before enrolment: after the emergency numbers, hospitals, PASS, invoices and bridging cover.

Sent by the answer-first action (actions/answer_first.py) when a message is urgent and asks nothing else.
"""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge.articles import parse_article
from bot.settings import get_settings

ARTICLE = "emergency-before-enrolment"


def send_emergency_care(dispatcher: CollectingDispatcher, language: str) -> None:
    """The care part of the emergency guidance, with the source of the emergency article (the numbers 15 / 112
    are sent first by the caller)."""
    path = get_settings().knowledge_dir / language / f"{ARTICLE}.md"
    source = parse_article(path).source if path.is_file() else "https://www.ameli.fr/assure"
    dispatcher.utter_message(response="utter_emergency_care", source_url=source)
