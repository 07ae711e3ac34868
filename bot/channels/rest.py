"""REST channel (``POST /webhooks/rest/webhook``) with input checks in front of Rasa's own RestInput.

Body: ``{"sender": str, "message": str, "metadata": {"language": "en"|"fr"}}`` (metadata optional).
Malformed requests get a 400 with a JSON error instead of a server error.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.base import guarded

MAX_SENDER_CHARS = 128
MAX_BODY_BYTES = 256 * 1024


def _bad_request(reason: str) -> Any:
    return response.json({"error": "bad_request", "reason": reason}, status=400)


def request_problem(request: Request) -> Optional[str]:
    """Why a webhook request cannot be used, or None when it can."""
    body = request.body or b""
    if len(body) > MAX_BODY_BYTES:
        return f"body larger than {MAX_BODY_BYTES} bytes"
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json":
        return "content type must be application/json"
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return "body is not valid UTF-8"
    except ValueError:
        return "body is not valid JSON"
    if not isinstance(payload, dict):
        return "body must be a JSON object"
    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
    if not isinstance(payload.get("message", ""), str):
        return "'message' must be a string"
    if "metadata" in payload and payload["metadata"] is not None and not isinstance(payload["metadata"], dict):
        return "'metadata' must be an object"
    return None


class GuardedRestInput(RestInput):
    """Rasa's REST channel, same name and path, with request validation and the shared input guard."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()  # clients must not pose as another channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(guarded(on_new_message))

        @blueprint.middleware("request")
        async def validate(request: Request) -> Any:
            if request.method == "POST" and request.path.rstrip("/").endswith("/webhook"):
                problem = request_problem(request)
                if problem:
                    return _bad_request(problem)
            return None

        return blueprint
