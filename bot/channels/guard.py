"""What every channel does to user text before it reaches Rasa (no Rasa import: shared by all connectors).

Over-long, empty and non-text input is turned into an intent trigger, so that the reply comes from the domain's
responses in the user's language instead of a crash or a silent drop. Personal data (social security number, IBAN,
e-mail, phone) is redacted here, so that neither the tracker store nor any log ever holds it.
"""

from __future__ import annotations

import os
import unicodedata

from bot.privacy import redact

#: Intent triggers sent to Rasa in place of unusable input (handled by rules in data/rules/input.yml).
TOO_LONG_TRIGGER = "/message_too_long"
EMPTY_TRIGGER = "/empty_message"


def max_message_chars() -> int:
    raw = os.environ.get("MAX_MESSAGE_CHARS") or "2000"
    try:
        return max(50, int(raw))
    except ValueError:
        return 2000


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
