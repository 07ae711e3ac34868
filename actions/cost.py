"""The cost conversation: a form that asks only what the calculator still needs, then the breakdown (text) and a
`cost_breakdown` payload for the web widget's chart."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import UrgencyFirst, read_answer, user_language, warn_if_urgent
from bot.calculator import CalculatorInputError
from bot.cost import (
    check_fields,
    cost_answer,
    needs_medecin_traitant,
    parse_medecin_traitant,
    parse_mutuelle,
    parse_price,
    recognise_care,
)


def _number_or_text(value: Any) -> str | None:
    """A slot value as text: buttons and entities may give a number (a price, a level)."""
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


class ValidateCostForm(UrgencyFirst, FormValidationAction):
    def name(self) -> str:
        return "validate_cost_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        needed = ["care", "price", "medecin_traitant", "mutuelle"]
        if not needs_medecin_traitant(tracker.get_slot("care"), tracker.get_slot("age")):
            needed.remove("medecin_traitant")
        return needed

    def validate_care(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return read_answer("care", recognise_care(_number_or_text(value)), dispatcher, tracker)

    def validate_price(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        price = parse_price(_number_or_text(value), bare_number=True)
        if price is None:
            return read_answer("price", None, dispatcher, tracker)
        return _if_calculator_accepts("price", price, {"care": tracker.get_slot("care") or "gp", "price": price},
                                      dispatcher, tracker)

    def validate_medecin_traitant(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = parse_medecin_traitant(_number_or_text(value), answering=True)
        return read_answer("medecin_traitant", answer, dispatcher, tracker)

    def validate_mutuelle(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        level = parse_mutuelle(_number_or_text(value), answering=True)
        if level is None:
            return read_answer("mutuelle", None, dispatcher, tracker)
        return _if_calculator_accepts("mutuelle", level, {"care": "gp", "price": "30", "mutuelle": level},
                                      dispatcher, tracker)


def _if_calculator_accepts(
    slot: str, value: str, fields: dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker
) -> dict[str, Any]:
    """Keep ``value`` only if the calculator accepts it (a price out of range, an impossible level: it says why)."""
    problem = check_fields(fields, user_language(tracker))
    if problem:
        dispatcher.utter_message(response="utter_cost_input_invalid", message=problem)
        return {slot: None}
    return {slot: value}


class ActionCostAnswer(Action):
    """The breakdown in the user's language, the chart payload, and buttons to compare mutuelle levels."""

    def name(self) -> str:
        return "action_cost_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        warn_if_urgent(dispatcher, tracker)
        language = user_language(tracker)
        slots = {name: tracker.get_slot(name) for name in ("care", "price", "medecin_traitant", "mutuelle", "age")}
        try:
            explanation, payload = cost_answer(slots, language)
        except CalculatorInputError as error:
            dispatcher.utter_message(response="utter_cost_input_invalid", message=error.message(language))
            return [SlotSet("care", None), SlotSet("price", None)]
        dispatcher.utter_message(response="utter_cost_answer", explanation=explanation)
        dispatcher.utter_message(json_message=payload)
        dispatcher.utter_message(response="utter_cost_compare")
        # Care and price stay for the comparison buttons; a new question replaces them (actions/extract.py).
        return []
