"""The cost conversation: a form that asks only what the calculator says still matters, then the answer, headline
first: one sentence with the three amounts, the `cost_breakdown` payload (the web widget's chart; the details of the
calculation ride in it), one line on the main assumption, and, for REST clients, the details as a later message.

Interfaces used by the routing (issue 14), kept stable:

- ``send_cost_answer(dispatcher, tracker, fields)``: the whole cost answer for the conversation's fields;
- ``send_refund_explanation(dispatcher, tracker, facts)``: "why did I get €X back for €Y?" (``bot.guidance.cost``'s
  ``parse_refund_question`` gives the facts).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.common import UrgencyFirst, read_answer, user_language, warn_if_urgent
from bot.calculator import CalculatorInputError, error_text
from bot.guidance.cost import (
    RefundFacts,
    build_cost_answer,
    check_fields,
    explain_refund_text,
    parse_basket,
    parse_device_class,
    parse_medecin_traitant,
    parse_mutuelle,
    parse_price,
    price_options,
    recognise_care,
    required_questions,
)

#: The conversation's slots the cost answer reads.
COST_SLOTS = ("care", "price", "medecin_traitant", "mutuelle", "age", "basket", "device_class")
#: Slots holding the amounts of the price question's buttons (domain.yml utter_ask_price), set for the care asked.
PRICE_OPTION_SLOTS = ("price_option_1", "price_option_2", "price_option_3")


def _number_or_text(value: Any) -> str | None:
    """A slot value as text: buttons and entities may give a number (a price, a level)."""
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def _slots(tracker: Tracker) -> dict[str, Any]:
    return {name: tracker.get_slot(name) for name in COST_SLOTS}


async def send_cost_answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, fields: dict[str, Any]
) -> list[dict[str, Any]]:
    """Send the whole cost answer for ``fields`` (the cost slots: care, price, medecin_traitant, mutuelle, age;
    missing ones take the calculator's defaults, the price the official tariff when there is one).

    Messages, in order: the headline (``utter_cost_answer``, one sentence: Sécurité sociale, mutuelle or CSS, you
    pay); the ``cost_breakdown`` custom payload (chart parts, ``headline``, ``assumption`` and the CommonMark
    ``details`` for "How this is calculated"); the main-assumption line (``utter_cost_answer``); on the REST channel
    only, the details as a last message (``utter_cost_answer``). Telegram turns the payload into a compact breakdown
    with a "How this is calculated" button (rasa_server/telegram.py).

    Returns the events to apply: none on success; on invalid input the calculator's message
    (``utter_cost_input_invalid``) and the care and price slots emptied so the form asks them again.
    """
    language = user_language(tracker)
    try:
        answer = build_cost_answer(fields, language)
    except CalculatorInputError as error:
        dispatcher.utter_message(response="utter_cost_input_invalid", message=error_text(error, language))
        return [SlotSet("care", None), SlotSet("price", None)]
    dispatcher.utter_message(response="utter_cost_answer", explanation=answer.headline)
    dispatcher.utter_message(json_message=answer.payload)
    dispatcher.utter_message(response="utter_cost_answer", explanation=answer.assumption)
    if tracker.get_latest_input_channel() == "rest":
        dispatcher.utter_message(response="utter_cost_answer", explanation=answer.details)
    return []


async def send_refund_explanation(
    dispatcher: CollectingDispatcher, tracker: Tracker, facts: RefundFacts
) -> list[dict[str, Any]]:
    """Send the explanation of a refund ("my GP charged €30 and ameli paid me €19"): which deductions make the
    difference between the price and the refund, or that they cannot be found and what to check. ``facts`` come from
    ``bot.guidance.cost.parse_refund_question``. One ``utter_cost_answer`` message (CommonMark); returns no events."""
    text = explain_refund_text(facts, user_language(tracker))
    dispatcher.utter_message(response="utter_cost_answer", explanation=text)
    return []


class ValidateCostForm(UrgencyFirst, FormValidationAction):
    def name(self) -> str:
        return "validate_cost_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """Only the questions whose answer changes the estimate, as the calculator says
        (bot.guidance.cost.required_questions): no médecin traitant for a child or at the dentist's, no price when the
        care has an official tariff."""
        return [slot for slot in required_questions(_slots(tracker)) if slot in domain_slots or not domain_slots]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Always names the next question (rasa-sdk leaves it to Rasa when the list equals the domain's)."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        missing = (slot for slot in required if tracker.slots.get(slot) is None)
        return SlotSet(REQUESTED_SLOT, next(missing, None))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        # The price question's buttons offer amounts that fit the care (not €30 for a crown).
        care = tracker.get_slot("care")
        for event in events:
            if event.get("event") == "slot" and event.get("name") == "care":
                care = event.get("value")
        options = price_options(care)
        # Only the amounts that change: a SlotSet counts, for Rasa's form, as an answer validated, so setting the
        # same amounts again would keep the form from giving way to a question or an emergency it cannot use.
        return events + [
            SlotSet(slot, value)
            for slot, value in zip(PRICE_OPTION_SLOTS, options, strict=True)
            if tracker.get_slot(slot) != value
        ]

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
        return _if_calculator_accepts(
            "price", price, {"care": tracker.get_slot("care") or "gp", "price": price}, dispatcher, tracker
        )

    def validate_medecin_traitant(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = parse_medecin_traitant(_number_or_text(value), answering=True)
        return read_answer("medecin_traitant", answer, dispatcher, tracker)

    def validate_basket(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A crown's 100% Santé basket (slot ``basket``, asked only for a crown whose basket is not known)."""
        return read_answer("basket", parse_basket(_number_or_text(value)), dispatcher, tracker)

    def validate_device_class(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A hearing aid's class (slot ``device_class``: "1" for 100% Santé, "2") or glasses' ("A" for 100% Santé,
        "B"), read for the care asked."""
        answer = parse_device_class(_number_or_text(value), tracker.get_slot("care"))
        return read_answer("device_class", answer, dispatcher, tracker)

    def validate_mutuelle(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        level = parse_mutuelle(_number_or_text(value), answering=True)
        if level is None:
            return read_answer("mutuelle", None, dispatcher, tracker)
        return _if_calculator_accepts(
            "mutuelle", level, {"care": "gp", "price": "30", "mutuelle": level}, dispatcher, tracker
        )


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
    """The cost answer (send_cost_answer), then buttons to compare mutuelle levels."""

    def name(self) -> str:
        return "action_cost_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        warn_if_urgent(dispatcher, tracker)
        events = await send_cost_answer(dispatcher, tracker, _slots(tracker))
        if not events:
            dispatcher.utter_message(response="utter_cost_compare")
        # Care and price stay for the comparison buttons; a new question replaces them (actions/extract.py).
        return events
