"""Fallback, first stage: say so and suggest what the user may have meant (intents the NLU hesitated between,
and the closest knowledge topics). A second unclear message searches the knowledge base (data/rules/input.yml),
which says honestly when it does not know."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, off_the_loop, user_language, warn_if_urgent

_SUGGESTIONS = Path(__file__).resolve().parent.parent / "bot" / "suggestions.yml"
MAX_BUTTONS = 4


@lru_cache(maxsize=1)
def intent_suggestions() -> dict[str, dict[str, str]]:
    return yaml.safe_load(_SUGGESTIONS.read_text(encoding="utf-8"))["intents"]


def suggestion_buttons(ranking: list[dict[str, Any]], topics: list[Any], lang: str) -> list[dict[str, str]]:
    """Buttons: the likeliest intents that have a suggestion, then knowledge topics (their first question)."""
    buttons: list[dict[str, str]] = []
    for entry in ranking:
        suggestion = intent_suggestions().get(entry.get("name"))
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


class ActionClarify(Action):
    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        warn_if_urgent(dispatcher, tracker)
        language = user_language(tracker)
        text = latest_text(tracker)
        topics: list[Any] = []
        if text.strip():
            from bot.retrieval import get_retriever

            topics = await off_the_loop(get_retriever().search, text, language, k=2)
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        dispatcher.utter_message(response="utter_clarify", buttons=suggestion_buttons(ranking, topics, language))
        return []
