"""Urgency in a message, in English or French: such a message is answered first with the emergency numbers."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.text import fold

_DATA = Path(__file__).with_name("urgency.yml")

# Whole words or phrases (accents and punctuation ignored), listed in urgency.yml. Kept narrow: "urgent" alone counts,
# "emergency fund" would too, which is the safe side.
_URGENT = re.compile(
    r"\b(" + "|".join(yaml.load(_DATA.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["urgent"]) + r")\b"
)


def is_urgent(text: str | None) -> bool:
    """True when the text expresses a medical urgency ('my child can't breathe', 'c'est urgent')."""
    return text is not None and _URGENT.search(fold(text)) is not None
