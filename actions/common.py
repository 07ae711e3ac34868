"""Small helpers shared by the actions."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.settings import get_settings

T = TypeVar("T")

#: One thread for the knowledge search: the sentence encoding takes milliseconds of CPU (more on a busy machine);
#: run on the event loop, it would hold up every other conversation's action calls meanwhile. One worker keeps
#: the encodings in order (the model already uses every core) and the retriever used from a single thread.
_SEARCH_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="knowledge-search")


async def off_the_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking call (a knowledge search) in the search thread, letting other conversations go on."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_SEARCH_THREAD, functools.partial(function, *args, **kwargs))


def user_language(tracker: Tracker) -> str:
    """The language to answer in, as decided by action_read_message (actions/extract.py) for this message."""
    language = tracker.get_slot("language")
    return language if language in ("en", "fr") else get_settings().default_language


def latest_text(tracker: Tracker) -> str:
    """The user's latest text, or '' when it was a button payload or an intent trigger."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


def latest_entity(tracker: Tracker, entity: str) -> Any:
    for found in (tracker.latest_message or {}).get("entities") or []:
        if found.get("entity") == entity:
            return found.get("value")
    return None


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_intent_confidence(tracker: Tracker) -> float:
    """The NLU's confidence in the latest intent; 1.0 when it gives none (a button payload, an intent trigger)."""
    confidence = ((tracker.latest_message or {}).get("intent") or {}).get("confidence")
    return float(confidence) if isinstance(confidence, (int, float)) else 1.0


def text_answer(value: Any) -> str | None:
    """A form answer to read as text; anything else (a list, a boolean) cannot be read."""
    return value if isinstance(value, str) else None


def read_answer(slot: str, parsed: Any, dispatcher: Any, tracker: Tracker) -> dict[str, Any]:
    """A form field's validated value: ``parsed``, or None when the answer could not be read. When the form had
    just asked for this very field, an unreadable answer gets ``utter_<slot>_invalid`` and the form asks again;
    a field merely guessed from another answer stays silent."""
    if parsed is None and tracker.get_slot("requested_slot") == slot:
        dispatcher.utter_message(response=f"utter_{slot}_invalid")
    return {slot: parsed}


def warn_if_urgent(dispatcher: Any, tracker: Tracker) -> bool:
    """Whatever the flow, a message that expresses urgency is answered first with the emergency numbers."""
    from bot.safety.urgency import is_urgent

    if latest_intent(tracker) == "emergency" or not is_urgent(latest_text(tracker)):
        return False
    if _already_warned(tracker) or any(m.get("response") == "utter_emergency" for m in dispatcher.messages):
        return False
    dispatcher.utter_message(response="utter_emergency")
    return True


def _already_warned(tracker: Tracker) -> bool:
    """Whether the emergency numbers were already sent since the user's latest message (by a form's validation)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == "utter_emergency":
            return True
    return False


#: Intents that reach a form's validation instead of the answer-first rules (data/rules/answer_first.yml).
FORM_INTENTS = ("inform", "affirm", "deny", "nlu_fallback")


class UrgencyFirst:
    """Mixin for form validation actions: an urgent answer inside a form gets the emergency numbers first; a
    question that is no answer to the form's question gets its knowledge answer, and the form asks again."""

    async def run(self, dispatcher: Any, tracker: Tracker, domain: Any) -> list[dict[str, Any]]:
        warn_if_urgent(dispatcher, tracker)
        answered = await answer_a_question_in_form(dispatcher, tracker)
        if answered is not None:
            # The message was a question, not an answer: none of the fields read from it is kept.
            form_slots = self.domain_slots(domain)  # type: ignore[attr-defined]
            return answered + [SlotSet(name, None) for name in tracker.slots_to_validate() if name in form_slots]
        return await super().run(dispatcher, tracker, domain)  # type: ignore[misc]


async def answer_a_question_in_form(dispatcher: Any, tracker: Tracker) -> list[dict[str, Any]] | None:
    """Inside a form, "is there a maximum per year?" asked while the form waits for the mutuelle: the NLU may read
    it as an answer (``inform``, or unsure), which the answer-first rules leave to the form; when the question just
    asked cannot be read from it and the knowledge base answers it with confidence, the answer is sent (events
    returned), else None and the form validates the message as usual."""
    # Imported here: answer_first imports the forms' modules, which import this one.
    from actions.answer_first import knowledge_answer
    from actions.extract import ANSWER_READERS
    from actions.knowledge import send_knowledge_answer
    from bot.understanding.phrasing import looks_like_question

    text = latest_text(tracker)
    requested = tracker.get_slot("requested_slot")
    if not text or latest_intent(tracker) not in FORM_INTENTS or not looks_like_question(text):
        return None
    reader = ANSWER_READERS.get(requested or "")
    if reader is not None and reader(text) is not None:
        return None
    answer = await knowledge_answer(tracker, text, user_language(tracker))
    if answer is None or answer.closest:  # only a confident answer sets the form's question aside
        return None
    send_knowledge_answer(dispatcher, answer)
    return [SlotSet("knowledge_topic", answer.hit.doc_id)]
