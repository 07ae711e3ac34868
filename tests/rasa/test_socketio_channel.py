"""The widget's socket.io channel (rasa_server/socketio.py) without a server: packets, hints, the language read."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sanic import Sanic
from socketio import packet as sio_packet

import rasa_server.socketio as channel
from bot.safety.guard import MAX_JSON_DEPTH


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_a_5000_deep_event_becomes_the_unreadable_event_instead_of_a_recursion_error():
    encoded = '2["user_uttered",{"message":"hi","session_id":"abc","customData":' + nested(5000) + "}]"
    with pytest.raises(RecursionError):
        sio_packet.Packet(encoded_packet=encoded)  # what python-socketio does on its own
    packet = channel.BoundedPacket(encoded_packet=encoded)
    assert packet.packet_type == sio_packet.EVENT
    assert packet.data == [channel._UNREADABLE_EVENT]


def test_moderate_nesting_is_refused_too_and_ordinary_events_pass_unchanged():
    deep = '2["user_uttered",{"customData":' + nested(MAX_JSON_DEPTH + 1) + "}]"
    assert channel.BoundedPacket(encoded_packet=deep).data == [channel._UNREADABLE_EVENT]
    ordinary = '2["user_uttered",{"message":"Bonjour","session_id":"abc","customData":{"language":"fr"}}]'
    packet = channel.BoundedPacket(encoded_packet=ordinary)
    assert packet.data == [
        "user_uttered",
        {"message": "Bonjour", "session_id": "abc", "customData": {"language": "fr"}},
    ]
    # A connect packet with a too-deep auth payload connects without auth instead of failing.
    connect = channel.BoundedPacket(encoded_packet="0" + nested(5000))
    assert connect.packet_type == sio_packet.CONNECT and connect.data is None


class Emitter:
    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, Any]] = []

    async def emit(self, event: str, data: Any, room: Any = None, **kwargs: Any) -> None:
        self.emitted.append((event, data, room))


def test_the_deletion_confirmation_and_the_checklist_carry_their_hint_other_texts_do_not():
    sio = Emitter()
    output = channel.WidgetSocketIOOutput(sio, "bot_uttered")

    async def send() -> None:
        await output.send_response("s1", {"text": "Done", "utter_action": "utter_data_deleted"})
        await output.send_response("s1", {"text": "**Your checklist**", "utter_action": "utter_checklist"})
        await output.send_response(
            "s1", {"text": "Hello", "utter_action": "utter_greet", "buttons": [{"title": "A", "payload": "/a"}]}
        )

    asyncio.run(send())
    assert [data for _, data, _ in sio.emitted] == [
        {"text": "Done", "forget": True},
        {"text": "**Your checklist**", "keep": "checklist"},
        {"text": "Hello", "buttons": [{"title": "A", "payload": "/a"}]},
    ]


class Tracker:
    def __init__(self, language: Any) -> None:
        self.language = language

    def get_slot(self, name: str) -> Any:
        return self.language if name == "language" else None


class Store:
    def __init__(self, trackers: dict[str, Tracker]) -> None:
        self.trackers = trackers
        self.created: list[str] = []

    async def retrieve(self, sender_id: str) -> Any:
        return self.trackers.get(sender_id)

    async def get_or_create_tracker(self, sender_id: str) -> Any:  # must not be used: it would recreate a deleted one
        self.created.append(sender_id)
        return Tracker(None)


class Agent:
    def __init__(self, store: Store) -> None:
        self.tracker_store = store


def test_the_language_is_read_from_the_tracker_store_without_creating_a_conversation():
    store = Store({"fr-conv": Tracker("fr"), "odd": Tracker("de")})
    app = Sanic.get_app("test_socketio_channel", force_create=True)
    app.ctx.agent = Agent(store)
    try:
        assert asyncio.run(channel.conversation_language("fr-conv")) == "fr"
        assert asyncio.run(channel.conversation_language("odd")) is None
        assert asyncio.run(channel.conversation_language("deleted")) is None
        assert store.created == []
    finally:
        del app.ctx.agent
