"""Urgency in a message, in English or French: such a message is answered first with the emergency numbers."""

from __future__ import annotations

import re

from bot.text import fold

# Whole words or phrases (accents and punctuation ignored). Kept narrow: "urgent" alone counts, "emergency fund"
# would too, which is the safe side.
_URGENT = re.compile(
    r"\b(emergenc(y|ies)|emergancy|urgent|urgently|urgence|urgences|urgente|urgense|samu|ambulance|"
    r"heart attack|crise cardiaque|can t breathe|cannot breathe|n arrive plus a respirer|unconscious|inconscient|"
    r"bleeding|saigne|overdose|stroke|avc|suicide|au secours|malaise cardiaque|chest pain|"
    r"douleur (a la|dans la) poitrine|mal a la poitrine)\b"
)


def is_urgent(text: str | None) -> bool:
    """True when the text expresses a medical urgency ('my child can't breathe', 'c'est urgent')."""
    return text is not None and _URGENT.search(fold(text)) is not None
