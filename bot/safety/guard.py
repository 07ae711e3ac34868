"""What every channel does to user text before it reaches Rasa (no Rasa import: shared by all connectors).

Over-long, empty and non-text input is turned into an intent trigger, so that the reply comes from the domain's
responses in the user's language instead of a crash or a silent drop. Personal data (social security number, IBAN,
e-mail, phone) is redacted here, so that neither the tracker store nor any log ever holds it.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from bot.safety.privacy import redact
from bot.settings import get_settings

#: Intent triggers sent to Rasa in place of unusable input (handled by rules in data/rules/input.yml).
TOO_LONG_TRIGGER = "/message_too_long"
EMPTY_TRIGGER = "/empty_message"

#: Deepest JSON nesting a client may send (a real request has 2 or 3 levels). Deeper bodies get a 400: without this
#: limit, 5,000 nested levels made Python's JSON decoder raise RecursionError (an HTTP 500 on the REST channel, a
#: silently dropped event on socket.io).
MAX_JSON_DEPTH = 32
TOO_DEEP_REASON = f"JSON nested more than {MAX_JSON_DEPTH} levels deep"
#: What a user (or an integrator) is told when a request is nested too deeply; both when the language is unknown.
TOO_DEEP_MESSAGES = {
    "en": f"This message could not be read: its data is nested too deeply (at most {MAX_JSON_DEPTH} levels). "
    "Please send your question again as plain text.",
    "fr": f"Ce message n'a pas pu être lu : ses données sont trop imbriquées ({MAX_JSON_DEPTH} niveaux au plus). "
    "Renvoyez votre question sous forme de texte simple.",
}


class TooDeep(ValueError):
    """A JSON document nested more than MAX_JSON_DEPTH levels deep."""


def too_deep_message(language: str | None) -> str:
    """The message in ``language`` (en/fr), or in English then French when it is not known."""
    if language in TOO_DEEP_MESSAGES:
        return TOO_DEEP_MESSAGES[language]
    return f"{TOO_DEEP_MESSAGES['en']} / {TOO_DEEP_MESSAGES['fr']}"


def nested_deeper_than(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``value`` (decoded JSON) has more than ``limit`` levels of objects/arrays; iterative, no recursion."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def loads_bounded(text: str | bytes) -> Any:
    """``json.loads`` that raises TooDeep (a ValueError) instead of RecursionError or a too-deep document."""
    try:
        value = json.loads(text)
    except RecursionError as error:
        raise TooDeep(TOO_DEEP_REASON) from error
    if nested_deeper_than(value):
        raise TooDeep(TOO_DEEP_REASON)
    return value


def max_message_chars() -> int:
    """MAX_MESSAGE_CHARS (bot/settings.py: a value below 50 or not a number is a SettingsError, not clamped)."""
    return get_settings().max_message_chars


def guard_text(text: object) -> str:
    """The text to give Rasa for what a user sent: cleaned, or an intent trigger when it cannot be used."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return EMPTY_TRIGGER
    # Control characters (other than line breaks and tabs) carry no meaning for the assistant.
    cleaned = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    if not cleaned:
        return EMPTY_TRIGGER
    if len(cleaned) > max_message_chars():
        return TOO_LONG_TRIGGER
    if cleaned.startswith("/") and not cleaned[1:2].isalpha():
        cleaned = cleaned.lstrip("/").strip()
        if not cleaned:
            return EMPTY_TRIGGER
    return redact(cleaned).text
