"""Every patch of Rasa's, Sanic's, python-socketio's (and their neighbours') internals, in one list, with the exact
versions each was written for.

A patch here is code that replaces or leans on something a library does not promise to keep: a monkeypatched
method, an override of a private method (``_something``), an attribute set on a library's object after it built
it, a private flag or registry read. Such code breaks silently when the library changes. So each patch names the
versions it was written and tested for (the pins of requirements/rasa.txt), and importing ``rasa_server`` in the
rasa server checks them (``check_versions``): any other installed version stops the start-up with an error naming
the patch, where it is and its test. After an upgrade: run the patch's tests, adapt the patch if they fail, then
update its versions here.

The patches of this module itself (``apply``):

- ``action-reply-validator``: Rasa 3.6 checks every custom action's reply with ``jsonschema.validate(result,
  schema)``, which first checks the (large) events schema against the JSON Schema meta-schema, then builds a
  validator, and only then checks the reply — for every action call. Profiling our server under load
  (docs/benchmarks.md) put 53 % of its CPU there. Here the validator is built, and the schema checked, once; the
  reply is checked exactly as before, and an invalid reply raises the same ``ValidationError`` with the same message.

- ``action-call-recent-events``: Rasa 3.6 sends every custom action the whole conversation (``current_state`` with
  every event, serialised, sent, parsed again by rasa-sdk), for every call: a message's cost grew with the length
  of the conversation (the 100-turn rows of docs/benchmarks.md). Our actions read the slots, the latest message,
  the active form (all still sent whole) and, from the events, nothing older than the previous user message and the
  bot's reply to it (``actions/``: the previous question, the passage it showed, a clarification or emergency
  already sent); rasa-sdk's forms read only the events after the latest user message. So a call carries the events
  of the last ``ACTION_CALL_USER_TURNS`` user turns; everything else of the request is Rasa's, unchanged.

- ``tracker-applied-events``: Rasa 3.6 works out a conversation's applied events (its events without the undone
  ones) from the first event on, every time it needs them: several times per message (the session-expiry check,
  each RulePolicy prediction, the forms), each time going back over the events before every form execution. At
  turn 100 of a conversation this was two thirds of the rasa server's CPU (py-spy, 3 Dec). Here the tracker keeps
  the result with the events it was computed from and, when events were only appended since and they name no new
  form, goes on from there with Rasa's own steps; otherwise it computes from the start as Rasa does. Same list,
  every time (tested against Rasa's method over random event sequences, at every step).

The others are subclass overrides inside the connectors and stores, kept where they are used (moving them here would
hide what the connector does); ``PATCHES`` lists them all, with what each replaces and why.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from typing import Any

from bot.pins import mismatches

logger = logging.getLogger(__name__)

_PATCHED_FLAG = "_expat_sante_cached_validator"
_RECENT_EVENTS_FLAG = "_expat_sante_recent_events"
_APPLIED_EVENTS_FLAG = "_expat_sante_applied_events"
_APPLIED_CACHE = "_expat_sante_applied_cache"

#: A custom action receives the events from the start of this many of the latest user turns (the latest message,
#: the one before it that our actions look back to, and one more as a margin).
ACTION_CALL_USER_TURNS = 3

#: The pins of requirements/rasa.txt the patches were written and tested for (a test keeps the two equal).
RASA = {"rasa": "3.6.21"}
SANIC = {"sanic": "21.12.2"}
SOCKETIO = {"python-socketio": "5.18.1"}
ENGINEIO = {"python-engineio": "4.15.1"}
SANIC_CORS = {"Sanic-Cors": "2.0.1"}
JSONSCHEMA = {"jsonschema": "4.17.3"}
AIOGRAM = {"aiogram": "2.15"}
SQLALCHEMY = {"SQLAlchemy": "1.4.54"}
REDIS = {"redis": "4.6.0"}


@dataclass(frozen=True)
class Patch:
    name: str
    #: Where the patch is (file: names).
    where: str
    #: What of the library it replaces or relies on, and why.
    replaces: str
    #: Distribution name -> the exact version the patch was written and tested for.
    versions: Mapping[str, str]
    #: The tests that show the patch still does what it replaces ("file::test", from the project root).
    tests: tuple[str, ...] = field(default=())


PATCHES: tuple[Patch, ...] = (
    Patch(
        "action-reply-validator",
        "rasa_server/patches.py: apply, _validate_action_result",
        "rasa.core.actions.action.RemoteAction._validate_action_result, monkeypatched: the reply schema is checked "
        "and its validator built once instead of on every action call (53 % of the server's CPU under load)",
        {**RASA, **JSONSCHEMA},
        (
            "tests/rasa/test_patches.py::test_valid_replies_pass_as_before",
            "tests/rasa/test_patches.py::test_invalid_replies_fail_with_rasas_error",
            "tests/rasa/test_patches.py::test_the_schema_is_checked_once_not_per_reply",
        ),
    ),
    Patch(
        "action-call-recent-events",
        "rasa_server/patches.py: apply, _action_call_format, recent_events",
        "rasa.core.actions.action.RemoteAction._action_call_format (private), monkeypatched: the request to the "
        "action server carries the events of the last user turns instead of the whole conversation (each call "
        "serialised and shipped every event); slots, latest message, active loop and domain as Rasa sends them",
        RASA,
        (
            "tests/rasa/test_patches.py::test_an_action_call_is_rasas_with_the_events_of_the_last_user_turns",
            "tests/rasa/test_patches.py::test_a_short_conversation_is_sent_whole",
            "tests/rasa/test_patches.py::test_the_domain_is_sent_as_rasa_decides",
        ),
    ),
    Patch(
        "tracker-applied-events",
        "rasa_server/patches.py: apply, applied_events, _applied_step",
        "rasa.shared.core.trackers.DialogueStateTracker.applied_events, monkeypatched: computed on from the events "
        "of its previous call when events were only appended since (its private _undo_till_previous, "
        "_first_loop_execution_or_unhappy_path and _undo_till_previous_loop_execution are the steps used)",
        RASA,
        (
            "tests/rasa/test_patches.py::test_applied_events_are_rasas_at_every_step_of_random_conversations",
            "tests/rasa/test_patches.py::test_applied_events_follow_a_changed_event_list",
        ),
    ),
    Patch(
        "rest-input-channel",
        "rasa_server/rest.py: GuardedRestInput._extract_input_channel",
        "rasa.core.channels.rest.RestInput._extract_input_channel (private), overridden: Rasa takes the input channel "
        "from the request body, so a client could pose as another channel",
        RASA,
        ("tests/rasa/test_patches.py::test_rest_clients_cannot_pose_as_another_channel",),
    ),
    Patch(
        "socketio-bounded-packet",
        "rasa_server/socketio.py: BoundedPacket, GuardedSocketIOInput.blueprint (sio.packet_class)",
        "socketio.packet.Packet.decode, overridden, and the packet class set on Rasa's AsyncServer after Rasa built "
        "it: a deeply nested event raised RecursionError in the server's receive task and vanished unanswered",
        {**RASA, **SOCKETIO},
        (
            "tests/rasa/test_socketio_channel.py::"
            "test_a_5000_deep_event_becomes_the_unreadable_event_instead_of_a_recursion_error",
            "tests/rasa/test_patches.py::test_socketio_events_replace_rasas_handlers_and_join_the_room",
        ),
    ),
    Patch(
        "socketio-handlers",
        "rasa_server/socketio.py: GuardedSocketIOInput.blueprint (sio.on for user_uttered, session_request), "
        "WidgetSocketIOOutput (SocketIOOutput._send_message)",
        "Rasa's own socket.io handlers, replaced by registering ours under the same events on the AsyncServer Rasa "
        "built (python-socketio keeps the last handler): Rasa 3.6 does not await enter_room (a coroutine in "
        "python-socketio 5) and drops unreadable bodies; the output calls Rasa's private _send_message",
        {**RASA, **SOCKETIO},
        (
            "tests/rasa/test_patches.py::test_socketio_events_replace_rasas_handlers_and_join_the_room",
            "tests/rasa/test_socketio_channel.py::"
            "test_the_deletion_confirmation_and_the_checklist_carry_their_hint_other_texts_do_not",
        ),
    ),
    Patch(
        "socketio-cors",
        "rasa_server/socketio.py: GuardedSocketIOInput.blueprint (sio.eio.cors_allowed_origins), "
        "CorsHandOffSocketBlueprint (Blueprint.register, blueprint.__class__, SANIC_CORS_HANDLED)",
        "the allowed origins set on Rasa's engine.io server after Rasa built it (Rasa allows every origin); "
        "Sanic-CORS's private request flag _sanic_cors_e set on socket.io requests, so that Sanic-CORS (rasa run "
        "--cors) does not add a second Access-Control-Allow-Origin header, which browsers reject",
        {**RASA, **SANIC, **ENGINEIO, **SANIC_CORS},
        ("tests/rasa/test_patches.py::test_socketio_answers_cors_alone_and_only_to_the_configured_origins",),
    ),
    Patch(
        "sanic-app-registry",
        "rasa_server/base.py: _agent",
        "Sanic._app_registry (private) and Rasa's app.ctx.agent, read to reach the agent's tracker store and NLG "
        "(Rasa gives channels neither): the apology after a turn without reply, the widget's language hint",
        {**RASA, **SANIC},
        ("tests/rasa/test_channel_guard.py::test_a_turn_without_reply_gets_the_apology_in_the_conversation_language",),
    ),
    Patch(
        "telegram-output",
        "rasa_server/telegram.py: TelegramOutput.__init__, close_session; TelegramInput.__init__",
        "Rasa's TelegramOutput.__init__ bypassed for aiogram's Bot.__init__ (another API server, a timeout), aiogram's "
        "private Bot._session closed on shutdown; Rasa's TelegramInput.__init__ not called, its attributes set here",
        {**RASA, **AIOGRAM},
        (
            "tests/rasa/test_telegram_webhook.py::test_reply_is_sent_as_formatted_text_to_the_users_chat",
            "tests/rasa/test_telegram_webhook.py::test_starts_and_keeps_answering_webhooks_while_telegram_is_unreachable",
        ),
    ),
    Patch(
        "tracker-store-cache",
        "rasa_server/tracker_store.py: ForgetfulSQLTrackerStore (retrieve, save, _as_loaded, _stored_marker, _row)",
        "SQLTrackerStore.retrieve's result rebuilt from a kept tracker (its latest-session rule copied), its save "
        "rewritten (the stored-event count taken from the kept tracker, the row built as Rasa builds it) and its "
        "SQLEvent table, _event_query and session_scope used directly: a Rasa change to either would make the "
        "cache differ",
        {**RASA, **SQLALCHEMY},
        (
            "tests/rasa/test_tracker_store_cache.py::test_a_kept_tracker_is_the_one_the_database_would_give",
            "tests/rasa/test_tracker_store_cache.py::"
            "test_after_a_new_session_only_that_session_is_kept_and_nothing_is_stored_twice",
            "tests/rasa/test_tracker_store_cache.py::"
            "test_a_save_after_a_retrieve_stores_the_new_events_once_without_counting_the_session",
            "tests/rasa/test_tracker_store_cache.py::test_a_save_after_another_servers_write_stores_what_rasas_store_would",
        ),
    ),
    Patch(
        "atomic-lock-store",
        "rasa_server/lock_store.py: AtomicRedisLockStore",
        "RedisLockStore's ticket operations (issue_ticket, update_lock, finish_serving, cleanup) rewritten as Redis "
        "transactions on its red client, key_prefix and TicketLock's JSON form: Rasa's read-change-write lost turns "
        "across processes (RasaHQ/rasa#9213)",
        {**RASA, **REDIS},
        (
            "tests/rasa/test_lock_store.py::test_processes_never_serve_one_conversation_at_the_same_time",
            "tests/rasa/test_lock_store.py::test_the_key_prefix_and_settings_are_rasas",
        ),
    ),
)


class PatchVersionError(RuntimeError):
    """An installed library is not the version a patch of its internals was written for."""


def version_problems(version: Callable[[str], str] = metadata.version) -> list[str]:
    """One sentence per patch whose libraries are not installed at the versions it was written for."""
    problems = []
    for patch in PATCHES:
        wrong = mismatches(patch.versions, version)
        if wrong:
            problems.append(
                f"patch '{patch.name}' ({patch.where}) was written for {', '.join(wrong)}; it replaces "
                f"{patch.replaces}. Run its tests ({', '.join(patch.tests)}), adapt it if they fail, then update "
                f"its versions in rasa_server/patches.py; or install the pinned versions (requirements/rasa.txt)."
            )
    return problems


def check_versions(version: Callable[[str], str] = metadata.version) -> None:
    """Raise ``PatchVersionError`` naming every patch whose libraries are not at the versions it was written for."""
    problems = version_problems(version)
    if problems:
        raise PatchVersionError(
            "the rasa server cannot start: patches of third-party internals do not match the installed versions\n- "
            + "\n- ".join(problems)
        )


@lru_cache(maxsize=1)
def action_reply_validator() -> Any:
    """A jsonschema validator for Rasa's action-server reply format, built (and its schema checked) once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Same contract as ``RemoteAction._validate_action_result`` in Rasa 3.6.21, with a validator built once."""
    from jsonschema import ValidationError, exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    # What jsonschema.validate() does after its schema check: raise the most relevant error, if any.
    error = exceptions.best_match(action_reply_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def recent_events(events: Iterable[Any], user_turns: int = ACTION_CALL_USER_TURNS) -> list[Any]:
    """The events from the start of the ``user_turns``-th latest user message on (all of them when there are fewer
    user messages): what a custom action receives of the conversation."""
    from rasa.shared.core.events import UserUttered

    kept = list(events)
    seen = 0
    for index in range(len(kept) - 1, -1, -1):
        if isinstance(kept[index], UserUttered):
            seen += 1
            if seen == user_turns:
                return kept[index:]
    return kept


def _action_call_format(self: Any, tracker: Any, domain: Any) -> dict[str, Any]:
    """``RemoteAction._action_call_format`` of Rasa 3.6.21, with ``recent_events`` instead of every event."""
    import rasa
    from rasa.shared.core.trackers import EventVerbosity

    tracker_state = tracker.current_state(EventVerbosity.NONE)  # slots, latest message, active loop...: all of it
    tracker_state["events"] = [event.as_dict() for event in recent_events(tracker.events)]
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": tracker_state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result


@dataclass
class _AppliedEvents:
    """What ``applied_events`` computed, and from which events (kept by reference: the same objects)."""

    events: Any  # the tracker's event deque
    length: int
    first: Any
    last: Any
    loop_names: frozenset[str]
    applied: list[Any]


def _applied_step(tracker: Any, event: Any, loop_names: frozenset[str], applied: list[Any]) -> list[Any]:
    """One step of Rasa 3.6.21's ``DialogueStateTracker.applied_events`` loop (the same branches, in order)."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
        UserUttered,
    )

    if isinstance(event, (Restarted, SessionStarted)):
        return []
    if isinstance(event, ActionReverted):
        tracker._undo_till_previous(ActionExecuted, applied)
    elif isinstance(event, UserUtteranceReverted):
        tracker._undo_till_previous(UserUttered, applied)
        tracker._undo_till_previous(ActionExecuted, applied)
    elif (
        isinstance(event, ActionExecuted)
        and event.action_name in loop_names
        and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
    ):
        tracker._undo_till_previous_loop_execution(event.action_name, applied)
    else:
        applied.append(event)
    return applied


def applied_events(self: Any) -> list[Any]:
    """``DialogueStateTracker.applied_events`` of Rasa 3.6.21, computed on from the previous call's result when the
    events were only appended to since and name no new form (a form's name changes how earlier events count)."""
    from rasa.shared.core.events import ActiveLoop

    events = self.events
    length = len(events)
    cache: _AppliedEvents | None = self.__dict__.get(_APPLIED_CACHE)
    start, applied, loop_names = 0, [], frozenset[str]()
    if (
        cache is not None
        and cache.events is events
        and 0 < cache.length <= length
        and events[0] is cache.first
        and events[cache.length - 1] is cache.last
    ):
        new = list(itertools.islice(events, cache.length, None))
        new_loops = {event.name for event in new if isinstance(event, ActiveLoop) and event.name}
        if new_loops <= cache.loop_names:
            start, applied, loop_names = cache.length, list(cache.applied), cache.loop_names
    if start == 0:
        loop_names = frozenset(event.name for event in events if isinstance(event, ActiveLoop) and event.name)
    for event in itertools.islice(events, start, None):
        applied = _applied_step(self, event, loop_names, applied)
    if length:
        self.__dict__[_APPLIED_CACHE] = _AppliedEvents(events, length, events[0], events[-1], loop_names, applied)
    return list(applied)


#: The library's own functions that ``apply`` replaced ("Class.method" -> function), for the tests to compare with.
ORIGINALS: dict[str, Callable[..., Any]] = {}


def _install(owner: Any, name: str, replacement: Callable[..., Any], flag: str, patch: str) -> None:
    current = owner.__dict__.get(name)
    if getattr(current, flag, False):
        return
    if current is None or not callable(current):  # cannot happen at the checked versions
        raise PatchVersionError(f"patch '{patch}': {owner.__name__}.{name} not found")
    ORIGINALS[f"{owner.__name__}.{name}"] = current
    setattr(replacement, flag, True)
    setattr(owner, name, replacement)


def apply(version: Callable[[str], str] = metadata.version) -> bool:
    """Check every patch's versions (``PatchVersionError`` if one differs), then install this module's patches
    (idempotent). Returns True once they are installed."""
    check_versions(version)
    from rasa.core.actions.action import RemoteAction

    _install(RemoteAction, "_validate_action_result", _validate_action_result, _PATCHED_FLAG, "action-reply-validator")
    _install(RemoteAction, "_action_call_format", _action_call_format, _RECENT_EVENTS_FLAG, "action-call-recent-events")
    from rasa.shared.core.trackers import DialogueStateTracker

    _install(DialogueStateTracker, "applied_events", applied_events, _APPLIED_EVENTS_FLAG, "tracker-applied-events")
    logger.debug("Action-server replies are validated with a cached validator; calls carry the recent events")
    return True
