"""What every input channel of ours does before a message reaches Rasa's message processor."""

from __future__ import annotations

import os
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage

from bot.channels.guard import guard_text

#: Metadata keys a client may send; anything else is dropped so that clients cannot fill the tracker store.
ALLOWED_METADATA = ("language",)


def clean_metadata(metadata: Any) -> dict[str, Any]:
    if not isinstance(metadata, dict):
        return {}
    cleaned: dict[str, Any] = {}
    for key in ALLOWED_METADATA:
        value = metadata.get(key)
        if isinstance(value, str) and len(value) <= 16:
            cleaned[key] = value
    return cleaned


def guarded(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wrap Rasa's message handler: bounded, cleaned text and whitelisted metadata for every channel."""

    async def handle(message: UserMessage) -> Any:
        message.text = guard_text(message.text)
        message.metadata = clean_metadata(message.metadata)
        return await on_new_message(message)

    return handle


def allowed_origins() -> list[str]:
    """Origins allowed to call the server from a browser (CORS_ORIGINS, comma-separated)."""
    raw = os.environ.get("CORS_ORIGINS", "http://localhost:8080,http://127.0.0.1:8080")
    return [origin.strip() for origin in raw.split(",") if origin.strip()]
