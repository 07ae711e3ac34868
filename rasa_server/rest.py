"""REST channel (``POST /webhooks/rest/webhook``) with input checks in front of Rasa's own RestInput.

Body: ``{"sender": str, "message": str, "metadata": {"language": "en"|"fr"}}`` (metadata optional).
Malformed requests get a 400 with a JSON error instead of a server error: ``{"error": "bad_request", "reason"}``,
plus a ``message`` for people when the body is nested too deeply (in the language of ``Accept-Language`` when it is
English or French, else in both).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.safety.guard import TOO_DEEP_REASON, TooDeep, loads_bounded, too_deep_message
from bot.text import language_code
from rasa_server.base import guarded

MAX_SENDER_CHARS = 128
MAX_BODY_BYTES = 256 * 1024


def _bad_request(reason: str, message: str | None = None) -> Any:
    body = {"error": "bad_request", "reason": reason}
    if message:
        body["message"] = message
    return response.json(body, status=400)


def header_language(request: Request) -> str | None:
    """en or fr when the request's Accept-Language names one of them first, else None."""
    for part in (request.headers.get("accept-language") or "").split(","):
        tag = part.split(";")[0].strip()
        code = language_code(tag, names=False)
        if code:
            return code
        if tag and tag != "*":
            return None
    return None


def request_problem(request: Request) -> str | None:
    """Why a webhook request cannot be used, or None when it can."""
    body = request.body or b""
    if len(body) > MAX_BODY_BYTES:
        return f"body larger than {MAX_BODY_BYTES} bytes"
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json":
        return "content type must be application/json"
    try:
        payload = loads_bounded(body.decode("utf-8"))
    except UnicodeDecodeError:
        return "body is not valid UTF-8"
    except TooDeep:
        return TOO_DEEP_REASON
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

    def _extract_input_channel(self, req: Request) -> str:  # patch 'rest-input-channel' (rasa_server/patches.py)
        return self.name()  # clients must not pose as another channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(guarded(on_new_message))

        @blueprint.middleware("request")
        async def validate(request: Request) -> Any:
            if request.method == "POST" and request.path.rstrip("/").endswith("/webhook"):
                problem = request_problem(request)
                if problem:
                    message = too_deep_message(header_language(request)) if problem == TOO_DEEP_REASON else None
                    return _bad_request(problem, message)
            return None

        return blueprint
