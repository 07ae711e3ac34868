"""The wrapper every channel puts around Rasa's handler (rasa_server/base.py), with a stand-in agent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sanic import Sanic

import rasa_server.base as base
from bot.safety.ratelimit import RateLimiter


class FakeTracker:
    def __init__(self, language: str) -> None:
        self.language = language


class FakeAgent:
    """What the apology needs from Rasa's agent: the tracker store and the NLG."""

    def __init__(self, language: str = "fr") -> None:
        self.language = language
        self.tracker_store = self
        self.nlg = self
        self.generated: list[tuple[str, str]] = []

    async def get_or_create_tracker(self, sender_id: str) -> FakeTracker:
        return FakeTracker(self.language)

    async def generate(self, response: str, tracker: FakeTracker, channel: str) -> dict[str, Any]:
        self.generated.append((response, channel))
        return {"text": f"{response}:{tracker.language}"}


@pytest.fixture
def agent() -> FakeAgent:
    app = Sanic.get_app("test_channel_guard", force_create=True)
    app.ctx.agent = FakeAgent()
    yield app.ctx.agent
    del app.ctx.agent


@pytest.fixture(autouse=True)
def generous_limit(monkeypatch):
    monkeypatch.setattr(base, "_limiter", RateLimiter(per_minute=1000))


def run(coro):
    return asyncio.run(coro)


def test_text_is_guarded_and_metadata_whitelisted_before_rasa(agent):
    seen: list[UserMessage] = []

    async def rasa(message: UserMessage) -> None:
        seen.append(message)
        await message.output_channel.send_response(message.sender_id, {"text": "ok"})

    collector = CollectingOutputChannel()
    message = UserMessage(
        "my IBAN is FR7630006000011234567890189", collector, "s1", metadata={"language": "fr", "evil": "x" * 10_000}
    )
    run(base.guarded(rasa)(message))
    assert seen[0].text == "my IBAN is [IBAN]"
    assert seen[0].metadata == {"language": "fr"}
    assert collector.messages == [{"recipient_id": "s1", "text": "ok"}]
    assert agent.generated == []


def test_a_turn_without_reply_gets_the_apology_in_the_conversation_language(agent):
    async def rasa_with_action_server_down(message: UserMessage) -> None:
        return None  # Rasa logs the failed action and sends nothing

    collector = CollectingOutputChannel()
    run(base.guarded(rasa_with_action_server_down)(UserMessage("bonjour", collector, "s2")))
    assert collector.messages == [{"recipient_id": "s2", "text": "utter_technical_problem:fr"}]
    assert agent.generated == [("utter_technical_problem", "collector")]


def test_a_processor_crash_also_gets_the_apology(agent):
    async def crashing(message: UserMessage) -> None:
        raise RuntimeError("database is locked")

    collector = CollectingOutputChannel()
    run(base.guarded(crashing)(UserMessage("hello", collector, "s3")))
    assert [m["text"] for m in collector.messages] == ["utter_technical_problem:fr"]


def test_senders_over_the_rate_limit_are_answered_by_the_rate_limit_rule(agent, monkeypatch):
    monkeypatch.setattr(base, "_limiter", RateLimiter(per_minute=2))
    texts: list[str] = []

    async def rasa(message: UserMessage) -> None:
        texts.append(message.text)
        await message.output_channel.send_response(message.sender_id, {"text": "reply"})

    for _ in range(3):
        run(base.guarded(rasa)(UserMessage("hello", CollectingOutputChannel(), "flood")))
    run(base.guarded(rasa)(UserMessage("hello", CollectingOutputChannel(), "someone-else")))
    assert texts == ["hello", "hello", base.RATE_LIMITED_TRIGGER, "hello"]
