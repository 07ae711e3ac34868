"""What every input channel of ours does around Rasa's message processor.

Before: bounded, cleaned and redacted text (``guard_text``), whitelisted metadata, a per-sender rate limit.
After: if the turn produced no reply at all — the action server is down or restarting, the processor failed — the
user gets an apology in their language (``utter_technical_problem``) instead of silence, and the next message works
as soon as the failing part is back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.safety.guard import guard_text
from bot.safety.ratelimit import RateLimiter, RedisRateLimiter, from_environment
from bot.settings import get_settings

logger = logging.getLogger(__name__)

#: Metadata keys a client may send; anything else is dropped so that clients cannot fill the tracker store.
ALLOWED_METADATA = ("language",)
#: Sent to Rasa instead of the text of a sender over the rate limit (answered by a rule in data/rules/input.yml).
RATE_LIMITED_TRIGGER = "/rate_limited"
#: Domain response sent when a turn produced no reply.
APOLOGY_RESPONSE = "utter_technical_problem"

_limiter: RateLimiter | RedisRateLimiter | None = None


def rate_limiter() -> RateLimiter | RedisRateLimiter:
    global _limiter
    if _limiter is None:
        _limiter = from_environment()
    return _limiter


def clean_metadata(metadata: Any) -> dict[str, Any]:
    if not isinstance(metadata, dict):
        return {}
    cleaned: dict[str, Any] = {}
    for key in ALLOWED_METADATA:
        value = metadata.get(key)
        if isinstance(value, str) and len(value) <= 16:
            cleaned[key] = value
    return cleaned


class CountingOutputChannel(OutputChannel):
    """Passes every bot message on to the channel's own output, counting them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> str:  # responses may vary by channel: keep the real one's name
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


def _agent() -> Any:
    """The rasa server's agent (Rasa keeps it on its Sanic app; channels are not given it).
    Reads Sanic's private app registry: patch 'sanic-app-registry' (rasa_server/patches.py)."""
    from sanic import Sanic

    for app in list(Sanic._app_registry.values()):
        agent = getattr(app.ctx, "agent", None)
        if agent is not None:
            return agent
    return None


async def _apologise(message: UserMessage, output: OutputChannel) -> None:
    """Send the apology response, in the conversation's language when the tracker store can tell it."""
    try:
        agent = _agent()
        if agent is None:
            return
        tracker = await agent.tracker_store.get_or_create_tracker(message.sender_id)
        reply = await agent.nlg.generate(APOLOGY_RESPONSE, tracker, output.name())
        if reply:
            await output.send_response(message.sender_id, reply)
    except Exception:  # the apology is best effort: never let it hide the original failure
        logger.exception("could not send the apology for a turn without reply")


def guarded(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wrap Rasa's message handler with the input guard, the rate limit and the apology for silent failures."""

    async def handle(message: UserMessage) -> Any:
        message.text = guard_text(message.text)
        message.metadata = clean_metadata(message.metadata)
        if not rate_limiter().allow(str(message.sender_id)):
            message.text = RATE_LIMITED_TRIGGER
        output = message.output_channel
        counting = CountingOutputChannel(output)
        message.output_channel = counting
        try:
            result = await on_new_message(message)
        except Exception:
            logger.exception("the message processor failed")
            result = None
        if counting.sent == 0:
            logger.warning("a turn produced no reply (is the action server up?): sending the apology")
            await _apologise(message, output)
        return result

    return handle


def allowed_origins() -> list[str]:
    """Origins allowed to call the server from a browser (CORS_ORIGINS, comma-separated; default: the demo page on
    WEB_PORT, see bot/settings.py)."""
    return list(get_settings().cors_origins)
