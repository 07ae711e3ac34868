"""socket.io channel for the web widget: Rasa's SocketIOInput with the shared input guard and CORS limited to
the configured origins (Rasa's own accepts every origin).

Its output also differs from Rasa 3.6's, which the widget (web/) relies on:
- custom payloads arrive as ``{"custom": {...}}``; Rasa's ``send_custom_json`` passes the payload's keys to
  ``AsyncServer.emit`` as keyword arguments, which raises ``TypeError`` for any payload with a ``type`` key
  (citations, cost breakdowns, letters) and drops the rest of the turn;
- ``session_request`` really joins the session's room: Rasa 3.6 calls python-socketio 5's ``enter_room``, a
  coroutine, without awaiting it, so with ``session_persistence`` no bot message ever reached the browser;
  a session id that is not a short string is replaced by a new one;
- CORS headers of socket.io responses come from python-socketio alone: with `rasa run --cors` (as `make run`
  does), Sanic-CORS added a second ``Access-Control-Allow-Origin`` header, which browsers reject, so the
  long-polling transport (the fallback when websockets are blocked) failed cross-origin;
- one utterance is one event (``{"text"}`` or ``{"text", "buttons": [{"title", "payload"}]}``), as on the REST
  channel, instead of one event per paragraph with Facebook-style ``quick_replies``: lists and paragraphs of one
  answer stay together, and buttons stay attached to their question.
"""

from __future__ import annotations

import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.base import allowed_origins, guarded

MAX_SESSION_ID_CHARS = 128
#: The flag by which Sanic-CORS marks a request as handled (sanic_cors.core.SANIC_CORS_EVALUATED).
SANIC_CORS_HANDLED = "_sanic_cors_e"


def session_id_from(data: Any) -> str:
    """The session a browser asks to resume, or a new one when it sends none or something unusable."""
    session_id = data.get("session_id") if isinstance(data, dict) else None
    if isinstance(session_id, str) and 0 < len(session_id) <= MAX_SESSION_ID_CHARS and session_id.isprintable():
        return session_id
    return uuid.uuid4().hex


class CorsHandOffSocketBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint, keeping Sanic-CORS off the socket.io path once attached to the app:
    python-socketio checks the origin against CORS_ORIGINS and sets the headers itself."""

    __slots__ = ()

    def register(self, app: Any, options: Any) -> None:
        super().register(app, options)
        socketio_path = self.ctx.socketio_path or "/socket.io"

        @app.middleware("request")
        async def socketio_answers_cors(request: Any) -> None:
            if request.path.startswith(socketio_path):
                setattr(request.ctx, SANIC_CORS_HANDLED, "1")


class WidgetSocketIOOutput(SocketIOOutput):
    """Bot messages as the web widget reads them: one event per utterance, custom payloads under ``custom``."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text.strip()})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, {
            "text": text.strip(),
            "buttons": [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in buttons],
        })

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class GuardedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WidgetSocketIOOutput(self.sio, self.bot_message_evt) if self.sio is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        handle = guarded(on_new_message)

        async def with_widget_output(message: UserMessage) -> Any:
            # Rasa's handler builds a plain SocketIOOutput for every message; ours replaces it.
            if self.sio is not None:
                message.output_channel = WidgetSocketIOOutput(self.sio, self.bot_message_evt)
            return await handle(message)

        blueprint = super().blueprint(with_widget_output)
        sio = self.sio
        if sio is not None:
            sio.eio.cors_allowed_origins = allowed_origins()

            async def session_request(sid: str, data: Any) -> None:
                session_id = session_id_from(data)
                if self.session_persistence:
                    await sio.enter_room(sid, session_id)
                await sio.emit("session_confirm", session_id, room=sid)

            sio.on("session_request", session_request, namespace=self.namespace)  # replaces Rasa's handler
        if isinstance(blueprint, SocketBlueprint):
            blueprint.__class__ = CorsHandOffSocketBlueprint  # Rasa builds it; same object, one method more
        return blueprint
