"""The patches of third-party internals (rasa_server/patches.py): each one still does what it replaces, and an
installed version other than the one a patch was written for stops the start-up with an error naming the patch.

The cached validation of action-server replies accepts and rejects exactly what Rasa 3.6's own validation does,
with the same error, and builds its validator once. The connectors' patches are exercised here on a real Sanic
server, mounted as Rasa mounts channels (or in their own test files: each patch lists its tests).
"""

from __future__ import annotations

import asyncio
import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any
from unittest import mock

import aiohttp
import jsonschema
import pytest
import socketio
from channel_server import serve_channels
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.rest import RestInput

import rasa_server.socketio  # importing the connectors applies the patches, as in the rasa server
from bot.safety.guard import MAX_JSON_DEPTH, TOO_DEEP_REASON
from rasa_server import patches
from rasa_server.rest import GuardedRestInput
from rasa_server.socketio import BAD_REQUEST_EVENT, GuardedSocketIOInput

ROOT = Path(__file__).resolve().parents[2]

VALID = [
    {},
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "language", "value": "fr", "timestamp": None},
            {"event": "active_loop", "name": None},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"response": "utter_greet"}, {"text": "Bonjour", "buttons": []}, {"custom": {"type": "x"}}],
    },
]
INVALID = [
    {"events": [{"event": "slot"}]},
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"responses": ["a string, not an object"]},
]


def rasa_original(result: dict[str, Any]) -> None:
    """What Rasa 3.6 runs without the patch."""
    jsonschema.validate(result, RemoteAction.action_response_format_spec())


def test_the_rasa_server_gets_the_patched_validation() -> None:
    assert RemoteAction._validate_action_result is patches._validate_action_result
    assert patches.apply() is True  # applying twice changes nothing


@pytest.mark.parametrize("reply", VALID)
def test_valid_replies_pass_as_before(reply: dict[str, Any]) -> None:
    rasa_original(reply)
    assert RemoteAction("action_x", None)._validate_action_result(reply) is True


@pytest.mark.parametrize("reply", INVALID)
def test_invalid_replies_fail_with_rasas_error(reply: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError) as original:
        rasa_original(reply)
    with pytest.raises(jsonschema.ValidationError) as patched:
        RemoteAction("action_x", None)._validate_action_result(reply)
    assert patched.value.message.startswith(original.value.message)
    assert "Failed to validate Action server response from API" in patched.value.message
    assert list(patched.value.path) == list(original.value.path)


def test_the_schema_is_checked_once_not_per_reply() -> None:
    patches.action_reply_validator.cache_clear()
    with (
        mock.patch.object(
            jsonschema.Draft202012Validator, "check_schema", wraps=jsonschema.Draft202012Validator.check_schema
        ) as check,
        mock.patch.object(
            jsonschema.Draft7Validator, "check_schema", wraps=jsonschema.Draft7Validator.check_schema
        ) as check7,
    ):
        for _ in range(5):
            RemoteAction("action_x", None)._validate_action_result(VALID[2])
    assert check.call_count + check7.call_count == 1


# --- every patch: its versions, its tests ------------------------------------------------------------------------


def pins(requirements: Path) -> dict[str, str]:
    found = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            found[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    return found


def test_every_patch_is_written_for_the_pinned_versions() -> None:
    pinned = pins(ROOT / "requirements" / "rasa.txt")
    for patch in patches.PATCHES:
        for distribution, version in patch.versions.items():
            assert pinned[re.sub(r"[-_.]+", "-", distribution.lower())] == version, (patch.name, distribution)


def test_the_installed_versions_are_those_of_the_patches() -> None:
    assert patches.version_problems() == []
    patches.check_versions()


def test_every_patch_names_what_it_replaces_and_tests_that_exist() -> None:
    names = [patch.name for patch in patches.PATCHES]
    assert len(names) == len(set(names))
    for patch in patches.PATCHES:
        assert patch.replaces and patch.versions and patch.tests, patch.name
        assert (ROOT / patch.where.split(":")[0]).is_file(), patch.where
        for test in patch.tests:
            path, name = test.split("::")
            assert re.search(rf"^(async )?def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M), test


def upgraded(distribution: str, to: str = "9.9.9") -> Any:
    def version(name: str) -> str:
        if name == distribution:
            if to == "none":
                raise metadata.PackageNotFoundError(name)
            return to
        return metadata.version(name)

    return version


def test_a_version_mismatch_stops_the_start_up_naming_the_patches() -> None:
    with pytest.raises(patches.PatchVersionError) as error:
        patches.check_versions(upgraded("python-socketio"))
    message = str(error.value)
    assert "patch 'socketio-bounded-packet' (rasa_server/socketio.py" in message
    assert "python-socketio 5.18.1 (installed: 9.9.9)" in message
    assert "patch 'socketio-handlers'" in message and "tests/rasa/test_patches.py::" in message
    assert "patch 'action-reply-validator'" not in message  # it does not touch python-socketio
    with pytest.raises(patches.PatchVersionError, match=r"patch 'action-reply-validator'.*rasa 3\.6\.21"):
        patches.apply(upgraded("rasa", "3.7.0"))
    with pytest.raises(patches.PatchVersionError, match=r"aiogram 2\.15 \(installed: none\)"):
        patches.check_versions(upgraded("aiogram", "none"))


# --- the connectors' patches, on a Sanic server as Rasa mounts channels --------------------------------------------


class Agent:
    """What the channels need from Rasa's agent: handle_message, and a tracker store without conversations."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self.tracker_store = self

    async def handle_message(self, message: Any) -> None:
        self.received.append(message)
        await message.output_channel.send_response(message.sender_id, {"text": f"got: {message.text}"})

    async def retrieve(self, sender_id: str) -> None:
        return None


def rasa_app(channel: Any, agent: Agent, cors_origins: list[str]) -> Any:
    """``channel`` registered by Rasa's ``register``, with Sanic-CORS as ``rasa run --cors`` configures it."""
    return serve_channels([channel], agent, "patches_test", cors_origins)


def test_rest_clients_cannot_pose_as_another_channel() -> None:
    async def sent_as(channel: Any) -> str:
        agent = Agent()
        async with rasa_app(channel, agent, []) as base, aiohttp.ClientSession() as session:
            body = {"sender": "someone", "message": "hello", "input_channel": "telegram"}
            async with session.post(base + "/webhooks/rest/webhook", json=body) as reply:
                assert reply.status == 200 and await reply.json() == [{"recipient_id": "someone", "text": "got: hello"}]
        return agent.received[0].input_channel

    assert asyncio.run(sent_as(RestInput())) == "telegram"  # what Rasa's own _extract_input_channel does
    assert asyncio.run(sent_as(GuardedRestInput())) == "rest"


ORIGIN = "http://widget.example.org"


def test_socketio_answers_cors_alone_and_only_to_the_configured_origins(monkeypatch) -> None:
    monkeypatch.setattr(rasa_server.socketio, "allowed_origins", lambda: [ORIGIN])  # CORS_ORIGINS

    async def handshake(origin: str) -> tuple[int, list[str]]:
        async with (
            rasa_app(GuardedSocketIOInput(), Agent(), [ORIGIN, "http://other.example.org"]) as base,
            aiohttp.ClientSession() as session,
            session.get(base + "/socket.io/?EIO=4&transport=polling", headers={"Origin": origin}) as reply,
        ):
            await reply.read()
            return reply.status, reply.headers.getall("Access-Control-Allow-Origin", [])

    # One header (python-socketio's): Sanic-CORS, allowing this origin too, would have added a second one.
    assert asyncio.run(handshake(ORIGIN)) == (200, [ORIGIN])
    # Allowed by Sanic-CORS (rasa run --cors) but not by CORS_ORIGINS: python-socketio refuses it.
    status, headers = asyncio.run(handshake("http://other.example.org"))
    assert status == 400 and headers == []


def test_socketio_events_replace_rasas_handlers_and_join_the_room(monkeypatch) -> None:
    monkeypatch.setattr(rasa_server.socketio, "allowed_origins", lambda: [ORIGIN])  # CORS_ORIGINS
    channel = GuardedSocketIOInput(
        user_message_evt="user_uttered",
        bot_message_evt="bot_uttered",
        session_persistence=True,
        metadata_key="customData",
    )
    agent = Agent()

    async def scenario() -> dict[str, list[Any]]:
        events: dict[str, list[Any]] = {"session_confirm": [], "bot_uttered": [], BAD_REQUEST_EVENT: []}
        client = socketio.AsyncClient(reconnection=False)
        for name, seen in events.items():
            client.on(name, lambda data, seen=seen: seen.append(data))
        async with rasa_app(channel, agent, [ORIGIN]) as base:
            # Long-polling: the rasa environment's aiohttp (3.9) is too old for python-socketio's websocket client.
            await client.connect(base, socketio_path="/socket.io", transports=["polling"], headers={"Origin": ORIGIN})
            try:
                await client.emit("session_request", {"session_id": "session-1"})
                await client.emit("user_uttered", {"message": "hello", "session_id": "session-1"})
                await client.emit("user_uttered", "not an object")
                deep = json.loads("[" * (MAX_JSON_DEPTH + 5) + "]" * (MAX_JSON_DEPTH + 5))
                await client.emit("user_uttered", {"message": "x", "session_id": "session-1", "customData": deep})
                for _ in range(100):
                    if events["bot_uttered"] and len(events[BAD_REQUEST_EVENT]) == 2:
                        break
                    await asyncio.sleep(0.05)
            finally:
                await client.disconnect()
        return events

    events = asyncio.run(scenario())
    assert events["session_confirm"] == ["session-1"]
    # Reaches the browser only if the socket joined the session's room (Rasa 3.6 never awaits enter_room).
    assert events["bot_uttered"] == [{"text": "got: hello"}]
    assert [m.sender_id for m in agent.received] == ["session-1"]
    # Rasa's handler would raise on a string body and pass a too deep one on: ours answer both.
    reasons = [event["reason"] for event in events[BAD_REQUEST_EVENT]]
    assert reasons == ["the message must be a JSON object", TOO_DEEP_REASON]


def conversation(turns: int) -> Any:
    """A tracker with ``turns`` user messages, each answered, a slot and an active form along the way."""
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.slots import TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("someone", [TextSlot("language", mappings=[{}]), TextSlot("care", mappings=[{}])])
    tracker.update(SlotSet("language", "fr"))
    for turn in range(turns):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(f"message {turn}", {"name": "ask", "confidence": 0.9}))
        tracker.update(ActionExecuted("action_answer_first"))
        tracker.update(BotUttered(f"answer {turn}", {"custom": {"type": "citation", "id": f"p{turn}"}}))
    tracker.update(ActiveLoop("cost_form"))
    tracker.update(SlotSet("care", "gp"))
    return tracker


class Endpoint:
    def __init__(self, selective: bool) -> None:
        self.kwargs = {"enable_selective_domain": selective}


def test_an_action_call_is_rasas_with_the_events_of_the_last_user_turns() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import EventVerbosity

    tracker = conversation(40)
    sent = RemoteAction("action_answer_first", Endpoint(True))._action_call_format(tracker, Domain.empty())
    whole = tracker.current_state(EventVerbosity.ALL)
    state = sent["tracker"]
    # Everything but the events is what Rasa sends: slots, latest message, active form, latest action.
    assert {k: v for k, v in state.items() if k != "events"} == {k: v for k, v in whole.items() if k != "events"}
    assert state["slots"]["language"] == "fr" and state["active_loop"]["name"] == "cost_form"
    assert state["latest_message"]["text"] == "message 39"
    # The events: from the third latest user message on, exactly as Rasa writes them.
    users = [e["text"] for e in state["events"] if e["event"] == "user"]
    assert users == ["message 37", "message 38", "message 39"]
    first = next(i for i, e in enumerate(whole["events"]) if e.get("text") == "message 37")
    assert state["events"] == whole["events"][first:]
    assert sent["next_action"] == "action_answer_first" and sent["sender_id"] == "someone" and "domain" not in sent
    assert len(json.dumps(sent)) < len(json.dumps({**sent, "tracker": whole})) / 8


def test_a_short_conversation_is_sent_whole() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import EventVerbosity

    tracker = conversation(2)
    sent = RemoteAction("action_answer_first", Endpoint(True))._action_call_format(tracker, Domain.empty())
    assert sent["tracker"]["events"] == tracker.current_state(EventVerbosity.ALL)["events"]


def test_the_domain_is_sent_as_rasa_decides() -> None:
    from rasa.shared.core.domain import Domain

    domain = Domain.from_yaml("version: '3.1'\nactions:\n- validate_cost_form\n- action_answer_first\n")
    tracker = conversation(1)
    assert "domain" in RemoteAction("action_answer_first", Endpoint(False))._action_call_format(tracker, domain)
    assert "domain" not in RemoteAction("action_answer_first", Endpoint(True))._action_call_format(tracker, domain)
    # A form's validation action always gets it (Rasa's rule for selective domains).
    assert "domain" in RemoteAction("validate_cost_form", Endpoint(True))._action_call_format(tracker, domain)
    assert RemoteAction._action_call_format is patches._action_call_format


def _rasa_applied(tracker: Any) -> list[Any]:
    """Rasa 3.6.21's own ``applied_events`` (the method the patch replaced), from the first event."""
    return patches.ORIGINALS["DialogueStateTracker.applied_events"](tracker)


def random_event(rng: Any) -> Any:
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionExecutionRejected,
        ActionReverted,
        ActiveLoop,
        BotUttered,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
        UserUttered,
    )

    forms = ["cost_form", "file_form", "enrolment_form"]
    kind = rng.choices(
        [
            "user",
            "listen",
            "action",
            "form",
            "active",
            "inactive",
            "rejected",
            "bot",
            "slot",
            "revert",
            "unrevert",
            "session",
        ],
        weights=[12, 12, 10, 10, 3, 3, 1, 8, 6, 1, 1, 1],
    )[0]
    return {
        "user": lambda: UserUttered(f"u{rng.random():.3f}", {"name": "inform"}),
        "listen": lambda: ActionExecuted("action_listen"),
        "action": lambda: ActionExecuted(rng.choice(["action_answer_first", "action_read_message", "utter_x"])),
        "form": lambda: ActionExecuted(rng.choice(forms)),
        "active": lambda: ActiveLoop(rng.choice(forms[:2])),  # enrolment_form may never become a loop name
        "inactive": lambda: ActiveLoop(None),
        "rejected": lambda: ActionExecutionRejected(rng.choice(forms)),
        "bot": lambda: BotUttered("text"),
        "slot": lambda: SlotSet("care", "gp"),
        "revert": lambda: ActionReverted(),
        "unrevert": lambda: UserUtteranceReverted(),
        "session": lambda: SessionStarted(),
    }[kind]()


def test_applied_events_are_rasas_at_every_step_of_random_conversations() -> None:
    import random

    from rasa.shared.core.trackers import DialogueStateTracker

    assert DialogueStateTracker.applied_events is patches.applied_events
    rng = random.Random(7)
    for _ in range(60):
        tracker = DialogueStateTracker("someone", [])
        for _ in range(rng.randint(1, 150)):
            tracker.update(random_event(rng))
            # Computed on from the previous call (or, after a new form name, from the start): Rasa's list.
            assert tracker.applied_events() == _rasa_applied(tracker)
        copy = tracker.copy()  # a copy of the tracker goes on from its own events
        copy.update(random_event(rng))
        assert copy.applied_events() == _rasa_applied(copy)
        assert tracker.applied_events() == _rasa_applied(tracker)


def test_applied_events_follow_a_changed_event_list() -> None:
    from collections import deque

    from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("someone", [])
    for event in [ActionExecuted("action_listen"), UserUttered("hi"), ActionExecuted("cost_form")]:
        tracker.update(event)
    assert tracker.applied_events() == _rasa_applied(tracker)
    # A form named later changes how its earlier executions count: computed from the start again.
    tracker.update(ActiveLoop("cost_form"))
    tracker.update(ActionExecuted("cost_form"))
    assert tracker.applied_events() == _rasa_applied(tracker)
    # The event list replaced (same length, other events): not the kept result.
    tracker.events = deque(
        [
            ActionExecuted("action_listen"),
            UserUttered("other"),
            ActionExecuted("x"),
            UserUttered("y"),
            ActionExecuted("z"),
        ]
    )
    assert tracker.applied_events() == _rasa_applied(tracker)
    returned = tracker.applied_events()
    returned.clear()  # a caller changing the returned list changes nothing kept
    assert tracker.applied_events() == _rasa_applied(tracker) != []
