"""Language of the conversation: decided after every user message, confirmed on an explicit switch."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_entity, latest_text
from bot.language import choose_language
from bot.settings import get_settings


def language_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The `language` and `language_pinned` slots after the user's latest message (run for every message by
    action_read_message, actions/extract.py)."""
    latest = tracker.latest_message or {}
    explicit = None
    if (latest.get("intent") or {}).get("name") == "switch_language":
        explicit = latest_entity(tracker, "language")
    choice = choose_language(
        current=tracker.get_slot("language"),
        pinned=bool(tracker.get_slot("language_pinned")),
        explicit=explicit,
        channel_hint=(latest.get("metadata") or {}).get("language"),
        text=latest_text(tracker),
        default=get_settings().default_language,
    )
    return [SlotSet("language", choice.language), SlotSet("language_pinned", choice.pinned)]


class ActionConfirmLanguage(Action):
    """Confirms an explicit switch, or asks which language when the user did not say."""

    def name(self) -> str:
        return "action_confirm_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if latest_entity(tracker, "language"):
            dispatcher.utter_message(response="utter_language_switched")
        else:
            dispatcher.utter_message(response="utter_ask_which_language")
        return []
