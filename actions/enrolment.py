"""Enrolment pathway: a form that asks the user's situation, then the guide for that route."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import user_language
from bot.enrolment import guide_article, recognise_situation
from bot.settings import get_settings


class ValidateEnrolmentForm(FormValidationAction):
    def name(self) -> str:
        return "validate_enrolment_form"

    def validate_situation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        situation = recognise_situation(value if isinstance(value, str) else None)
        if situation is None:
            dispatcher.utter_message(response="utter_situation_invalid")
        return {"situation": situation}


class ActionEnrolmentGuide(Action):
    def name(self) -> str:
        return "action_enrolment_guide"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        language = user_language(tracker)
        article = guide_article(tracker.get_slot("situation") or "", language, get_settings().knowledge_dir)
        if article is None:
            dispatcher.utter_message(response="utter_knowledge_unknown")
            return [SlotSet("situation", None)]
        first = article.sections[0]
        dispatcher.utter_message(
            response="utter_enrolment_guide",
            heading=article.title,
            summary=article.summary,
            passage=first.text,
            source_url=first.source or article.source,
            reviewed=article.last_reviewed.isoformat(),
        )
        return []
