"""A body nested 5,000 levels deep, through the real rasa server: a 400 with a clear message on the REST channel and
a `bad_request` event on socket.io, and the next message is answered (both used to fail: HTTP 500, silence)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import requests
import socketio

from tests.integration.conftest import texts

DEPTH = 5000
EN = "nested too deeply"
FR = "trop imbriquées"


def deep_body(sender: str) -> str:
    # json.dumps itself cannot write 5,000 levels (RecursionError): the body is written by hand.
    return f'{{"sender": "{sender}", "message": "hello", "metadata": {"[" * DEPTH}{"]" * DEPTH}}}'


def post(servers, body: str, **headers: str) -> requests.Response:
    return requests.post(
        f"{servers.url}/webhooks/rest/webhook",
        data=body.encode(),
        timeout=60,
        headers={"Content-Type": "application/json", **headers},
    )


def test_rest_answers_a_5000_deep_body_with_a_400_and_then_the_next_message(servers, sender):
    response = post(servers, deep_body(sender))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "bad_request" and "nested" in body["reason"]
    assert EN in body["message"] and FR in body["message"]  # language unknown: both

    french = post(servers, deep_body(sender), **{"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert french.status_code == 400
    assert FR in french.json()["message"] and EN not in french.json()["message"]

    replies = servers.send(sender, "How do I get a Carte Vitale?", metadata={"language": "en"})
    assert "Carte Vitale" in texts(replies)
    # The REST replies carry nothing of the socket.io channel's widget hints.
    assert all(set(reply) <= {"recipient_id", "text", "buttons", "custom", "image", "attachment"} for reply in replies)


class Widget:
    """A socket.io client speaking the widget's protocol."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.session_id = uuid.uuid4().hex
        self.events: asyncio.Queue = asyncio.Queue()
        for name in ("session_confirm", "bot_uttered", "bad_request", "session_language"):
            self.client.on(name, self._recorder(name))

    def _recorder(self, name: str):
        async def record(data: Any = None) -> None:
            await self.events.put((name, data))

        return record

    async def start(self) -> None:
        # Long-polling: the rasa environment's aiohttp (3.9) is too old for python-socketio's websocket client.
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"])
        await self.client.emit("session_request", {"session_id": self.session_id})
        assert await self.next("session_confirm") == self.session_id

    async def next(self, wanted: str, timeout: float = 120) -> Any:
        while True:
            name, data = await asyncio.wait_for(self.events.get(), timeout)
            if name == wanted:
                return data

    async def say(self, text: str, language: str) -> list[dict]:
        """Send a message; the bot messages of the turn, up to the session_language event that closes it."""
        await self.client.emit(
            "user_uttered", {"message": text, "session_id": self.session_id, "customData": {"language": language}}
        )
        messages = []
        while True:
            name, data = await asyncio.wait_for(self.events.get(), 120)
            if name == "bot_uttered":
                messages.append(data)
            elif name == "session_language":
                return messages + [{"session_language": data["language"]}]


def test_socketio_answers_a_5000_deep_event_with_a_bad_request_and_then_the_next_message(servers):
    async def scenario() -> None:
        widget = Widget(servers.url)
        await widget.start()
        try:
            # The raw packet (the client's own encoder cannot write it either): socket.io event, 5,000 levels.
            raw = json.dumps(["user_uttered", {"message": "hi", "session_id": widget.session_id}])[:-2]
            await widget.client.eio.send(f'2{raw}, "customData": {"[" * DEPTH}{"]" * DEPTH}}}]')
            error = await widget.next("bad_request")
            assert error["status"] == 400 and EN in error["message"] and FR in error["message"]
            # customData sent as a JSON string (Rasa's handler json.loads it): same answer.
            await widget.client.emit(
                "user_uttered",
                {"message": "hi", "session_id": widget.session_id, "customData": "[" * DEPTH + "]" * DEPTH},
            )
            assert (await widget.next("bad_request"))["status"] == 400

            turn = await widget.say("Bonjour, comment obtenir ma carte vitale ?", "fr")
            assert any("Vitale" in (m.get("text") or "") for m in turn[:-1]), turn
            assert turn[-1] == {"session_language": "fr"}  # the widget's UI follows the conversation

            await widget.client.eio.send(f'2{raw}, "customData": {"[" * DEPTH}{"]" * DEPTH}}}]')
            french = await widget.next("bad_request")
            assert FR in french["message"] and EN not in french["message"]  # the conversation's language
            turn = await widget.say("merci", "fr")
            assert turn[-1] == {"session_language": "fr"} and len(turn) >= 2
        finally:
            await widget.client.disconnect()

    asyncio.run(scenario())
