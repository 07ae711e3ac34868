"""Clarifying an unclear message: buttons for what the user may have meant (intents the NLU hesitated between,
and the closest knowledge topics). Sent by the answer-first action when nothing can be answered and the previous
reply did not already ask (bot/guidance/routing.py)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

_SUGGESTIONS = PROJECT_ROOT / "bot" / "guidance" / "suggestions.yml"
MAX_BUTTONS = 4


@lru_cache(maxsize=1)
def intent_suggestions() -> dict[str, dict[str, str]]:
    return yaml.safe_load(_SUGGESTIONS.read_text(encoding="utf-8"))["intents"]


def suggestion_buttons(ranking: list[dict[str, Any]], topics: list[Any], lang: str) -> list[dict[str, str]]:
    """Buttons: the likeliest intents that have a suggestion, then knowledge topics (their first question)."""
    buttons: list[dict[str, str]] = []
    for entry in ranking:
        suggestion = intent_suggestions().get(entry.get("name") or "")
        if suggestion and len(buttons) < 2:
            buttons.append({"title": suggestion[lang], "payload": suggestion["payload"]})
    for topic in topics:
        question = topic.questions[0] if getattr(topic, "questions", None) else topic.title
        if len(buttons) < MAX_BUTTONS and all(b["payload"] != question for b in buttons):
            buttons.append({"title": question, "payload": question})
    if not buttons:
        fallback = intent_suggestions()["what_can_you_do"]
        buttons.append({"title": fallback[lang], "payload": fallback["payload"]})
    return buttons
