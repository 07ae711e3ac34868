"""Emergency before enrolment: the emergency numbers first, then hospitals, PASS, invoices and bridging cover."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import user_language
from bot.knowledge import parse_article
from bot.settings import get_settings

ARTICLE = "emergency-before-enrolment"


class ActionEmergency(Action):
    def name(self) -> str:
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_emergency")
        path = get_settings().knowledge_dir / user_language(tracker) / f"{ARTICLE}.md"
        source = parse_article(path).source if path.is_file() else "https://www.ameli.fr/assure"
        dispatcher.utter_message(response="utter_emergency_care", source_url=source)
        return []
