"""Enrolment pathway: a form that asks only what matters (situation, nationality group, time in France), then the
personal checklist."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import UrgencyFirst, latest_text, read_answer, text_answer, user_language, warn_if_urgent
from bot.guidance.checklist import (
    build_checklist,
    implied_nationality,
    parse_residence,
    recognise_nationality,
    three_month_rule_applies,
)
from bot.guidance.enrolment import recognise_situation
from bot.settings import get_settings

ENROLMENT_SLOTS = ("situation", "nationality", "time_in_france")


class ValidateEnrolmentForm(UrgencyFirst, FormValidationAction):
    def name(self) -> str:
        return "validate_enrolment_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        situation = tracker.get_slot("situation")
        needed = ["situation"]
        if implied_nationality(situation) is None:
            needed.append("nationality")
        if situation is None or three_month_rule_applies(situation):
            needed.append("time_in_france")
        return needed

    def validate_situation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        situation = recognise_situation(text_answer(value))
        if situation is None and tracker.get_slot("requested_slot") == "situation":
            # An NLU entity may hold a part of the answer ("comme plombier"): the whole answer says more.
            situation = recognise_situation(latest_text(tracker))
        if situation is None:
            dispatcher.utter_message(response="utter_situation_invalid")
            return {"situation": None}
        implied = implied_nationality(situation)
        if tracker.get_slot("nationality") in ("uk", "non_eu"):
            implied = None  # a British S1 holder keeps the residence-permit item of the UK group
        return {"situation": situation, **({"nationality": implied} if implied else {})}

    def validate_nationality(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return read_answer("nationality", recognise_nationality(text_answer(value)), dispatcher, tracker)

    def validate_time_in_france(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return read_answer("time_in_france", parse_residence(text_answer(value)), dispatcher, tracker)


class ActionEnrolmentGuide(Action):
    """The personal checklist for the situation the form collected; the form's answers are then forgotten."""

    def name(self) -> str:
        return "action_enrolment_guide"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        warn_if_urgent(dispatcher, tracker)
        language = user_language(tracker)
        settings = get_settings()
        reset = [SlotSet(name, None) for name in ENROLMENT_SLOTS]
        try:
            checklist = build_checklist(
                tracker.get_slot("situation") or "",
                tracker.get_slot("nationality"),
                tracker.get_slot("time_in_france"),
                language,
                settings.knowledge_dir,
            )
        except (KeyError, FileNotFoundError):
            dispatcher.utter_message(response="utter_knowledge_unknown")
            return reset
        dispatcher.utter_message(
            response="utter_checklist",
            **checklist.items,
            sources=checklist.source_lines(),
            reviewed=checklist.reviewed,
        )
        return reset
