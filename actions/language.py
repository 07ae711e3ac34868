"""Language of the conversation, decided after every user message (by action_read_message, actions/extract.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.common import latest_entity, latest_intent, latest_text
from bot.settings import get_settings
from bot.understanding.language import choose_language
from bot.understanding.reading import is_switch_request, requested_language


def explicit_language(tracker: Tracker) -> str | None:
    """The language the user explicitly asked for in the latest message: a language button, or a request such as
    "in English please" / "parle-moi en français". A question that only mentions a language ("a doctor who speaks
    English") asks for nothing."""
    text = latest_text(tracker)
    if not text:
        return latest_entity(tracker, "language") if latest_intent(tracker) == "switch_language" else None
    if not is_switch_request(text):
        return None
    return requested_language(text) or (
        latest_entity(tracker, "language") if latest_intent(tracker) == "switch_language" else None
    )


def language_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The `language` and `language_pinned` slots after the user's latest message."""
    latest = tracker.latest_message or {}
    choice = choose_language(
        current=tracker.get_slot("language"),
        pinned=bool(tracker.get_slot("language_pinned")),
        explicit=explicit_language(tracker),
        channel_hint=(latest.get("metadata") or {}).get("language"),
        text=latest_text(tracker),
        default=get_settings().default_language,
    )
    return [SlotSet("language", choice.language), SlotSet("language_pinned", choice.pinned)]
