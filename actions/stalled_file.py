"""Lost or stalled file: asks what happened and since when, then the steps, the contacts and a French letter."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import UrgencyFirst, read_answer, text_answer, user_language, warn_if_urgent
from bot.guidance.letters import load_letter
from bot.guidance.stalled_file import advice, parse_since, recognise_status
from bot.settings import get_settings

FILE_SLOTS = ("file_status", "file_since")


class ValidateFileForm(UrgencyFirst, FormValidationAction):
    def name(self) -> str:
        return "validate_file_form"

    def validate_file_status(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return read_answer("file_status", recognise_status(text_answer(value)), dispatcher, tracker)

    def validate_file_since(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return read_answer("file_since", parse_since(text_answer(value)), dispatcher, tracker)


class ActionFileAdvice(Action):
    def name(self) -> str:
        return "action_file_advice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        warn_if_urgent(dispatcher, tracker)
        language = user_language(tracker)
        knowledge_dir = get_settings().knowledge_dir
        reset = [SlotSet(name, None) for name in FILE_SLOTS]
        status = tracker.get_slot("file_status")
        try:
            found = advice(status, language, knowledge_dir)
        except (KeyError, FileNotFoundError):
            dispatcher.utter_message(response="utter_knowledge_unknown")
            return reset
        if status == "no_news" and tracker.get_slot("file_since") == "under_3_months":
            dispatcher.utter_message(response="utter_file_recent")
        dispatcher.utter_message(
            response="utter_file_advice",
            heading=found.steps.heading,
            passage=found.steps.text,
            source_url=found.source,
            reviewed=found.reviewed,
        )
        dispatcher.utter_message(response="utter_file_contacts")
        if found.letter_id:
            letter = load_letter(found.letter_id, language, knowledge_dir)
            dispatcher.utter_message(response="utter_letter", title=letter.title, letter=letter.text)
            dispatcher.utter_message(json_message=letter.payload())
        return reset
