"""Small helpers shared by the actions."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from rasa_sdk import Tracker

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


class UrgencyFirst:
    """Mixin for form validation actions: an urgent answer inside a form gets the emergency numbers first."""

    async def run(self, dispatcher: Any, tracker: Tracker, domain: Any) -> list[dict[str, Any]]:
        warn_if_urgent(dispatcher, tracker)
        return await super().run(dispatcher, tracker, domain)  # type: ignore[misc]
