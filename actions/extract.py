"""Reading every user message: its language and the form fields it gives, in one action-server call.

`action_read_message` is the `custom` mapping of the language slots, the last slots of domain.yml, so Rasa calls it
once per user message (one call instead of one per mapping action: each call ships the whole conversation), after
every other slot mapping: its reading of the text wins over the NLU's raw entities (docs/dialogue.md).

"How much will I get back for a €30 GP visit? I have a médecin traitant and no mutuelle" fills care, price,
médecin traitant and mutuelle at once, so the forms only ask what is missing. Values are already normalised
("gp", "30", "yes", "none"); the forms' validation actions check them again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent, latest_text
from actions.language import language_events
from bot.guidance.checklist import parse_residence, recognise_nationality
from bot.guidance.cost import extract_cost_fields, parse_basket, parse_device_class
from bot.guidance.enrolment import recognise_situation
from bot.guidance.stalled_file import parse_since, recognise_status
from bot.understanding.phrasing import looks_like_question

#: Messages that belong to a flow: read for every field of the form. Inside a form, a message of another intent is
#: read only for the question just asked, and only when it is a statement (see field_events).
FLOW_INTENTS = {"inform", "affirm", "deny", "nlu_fallback", "start_enrolment", "file_problem", "ask_cost"}
COST_SLOTS = ("care", "price", "age")
#: Intents that stay what they are even inside a form: they must never be taken for an answer.
ALWAYS_INTERRUPT = {"emergency", "switch_language", "delete_my_data"}


def _cost_reader(slot: str) -> Callable[[str], Any]:
    return lambda text: extract_cost_fields(text, requested=slot).get(slot)


#: Every question the forms ask, with the parser that reads its answer from free text (the forms' validation
#: actions check the value again). Each has an ``utter_<slot>_invalid`` response in domain.yml.
ANSWER_READERS: dict[str, Callable[[str], Any]] = {
    "situation": recognise_situation,
    "nationality": recognise_nationality,
    "time_in_france": parse_residence,
    "file_status": recognise_status,
    "file_since": parse_since,
    **{slot: _cost_reader(slot) for slot in ("care", "price", "medecin_traitant", "mutuelle")},
    "basket": parse_basket,
    "device_class": parse_device_class,
}


def _active_loop(tracker: Tracker) -> str | None:
    return (tracker.active_loop or {}).get("name")


def field_events(tracker: Tracker) -> list[dict[str, Any]]:
    """Form fields found in the user's latest message. Outside a form every message is read for every flow's
    fields, so that whatever the user said earlier ("I'm a British retiree", "I have no mutuelle") prefills the
    forms they accept later; inside a form, see ``_in_form_events``."""
    intent, loop, text = latest_intent(tracker), _active_loop(tracker), latest_text(tracker)
    if not text:
        return []
    if loop:
        return _in_form_events(tracker, intent, loop, text)
    if intent in ("switch_language", "delete_my_data"):
        return []
    status = recognise_status(text)
    about_file = status is not None or intent == "file_problem"
    found: dict[str, Any] = {
        "situation": recognise_situation(text),
        "nationality": recognise_nationality(text),
        # A duration is the time since the file was sent in a message about a file, else the time in France.
        "time_in_france": None if about_file else parse_residence(text),
        "file_status": status,
        "file_since": parse_since(text) if about_file else None,
    }
    events = [SlotSet(name, value) for name, value in found.items() if value is not None]
    fields = extract_cost_fields(text)
    if "care" in fields:
        # A new care: the price and age said for the previous one no longer hold.
        events += [SlotSet(name, fields.get(name)) for name in COST_SLOTS]
    events += [SlotSet(name, value) for name, value in fields.items() if name not in COST_SLOTS]
    return events


def _in_form_events(tracker: Tracker, intent: str | None, loop: str, text: str) -> list[dict[str, Any]]:
    """Inside a form, the answer to the question just asked is read with that question's own parser, whatever
    intent the NLU saw ("I work as a plumber" read as "what can you do") — unless the message is a question or an
    intent that always interrupts; a message of a flow is also read for the form's other fields."""
    requested = tracker.get_slot("requested_slot")
    found: dict[str, Any] = {}
    if intent in FLOW_INTENTS:
        if loop == "enrolment_form":
            found.update(nationality=recognise_nationality(text), time_in_france=parse_residence(text))
        elif loop == "file_form":
            found.update(file_status=recognise_status(text), file_since=parse_since(text))
        elif loop == "cost_form":
            found.update(extract_cost_fields(text, requested=requested))
    answers = intent in FLOW_INTENTS or (intent not in ALWAYS_INTERRUPT and not looks_like_question(text))
    if requested in ANSWER_READERS and answers and found.get(requested) is None:
        found[requested] = ANSWER_READERS[requested](text)
    return [SlotSet(name, value) for name, value in found.items() if value is not None]


class ActionReadMessage(Action):
    def name(self) -> str:
        return "action_read_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return language_events(tracker) + field_events(tracker)
