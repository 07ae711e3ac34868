"""Small helpers shared by the actions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.settings import get_settings


def user_language(tracker: Tracker) -> str:
    """The language to answer in, as decided by action_detect_language for this message."""
    language = tracker.get_slot("language")
    return language if language in ("en", "fr") else get_settings().default_language


def latest_text(tracker: Tracker) -> str:
    """The user's latest text, or '' when it was a button payload or an intent trigger."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


def latest_entity(tracker: Tracker, entity: str) -> Any:
    for found in (tracker.latest_message or {}).get("entities") or []:
        if found.get("entity") == entity:
            return found.get("value")
    return None
