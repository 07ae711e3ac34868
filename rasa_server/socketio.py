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
  answer stay together, and buttons stay attached to their question;
- a few responses carry a hint for the widget (``RESPONSE_HINTS``): the deletion confirmation has ``"forget": true``
  (the widget clears its stored transcript and starts a new session), the personal checklist ``"keep": "checklist"``
  (the widget offers to print or save it);
- after each user message, a ``session_language`` event ``{"language": "en"|"fr"}`` tells the widget the language
  the conversation is in now (the ``language`` slot), so that its interface follows the conversation;
- ``user_uttered`` is handled here, not by Rasa's handler: a body that is not an object, a ``customData`` string that
  is not JSON, or JSON nested more than 32 levels deep (which made the JSON decoder raise RecursionError and the
  event vanish) gets a ``bad_request`` event ``{"status": 400, "error", "reason", "message"}`` in the
  conversation's language when it is known (else English and French); the next message works as usual.
The REST channel's replies are unchanged by all this.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import packet as sio_packet

from bot.safety.guard import TOO_DEEP_REASON, TooDeep, loads_bounded, nested_deeper_than, too_deep_message
from rasa_server.base import _agent, allowed_origins, guarded

logger = logging.getLogger(__name__)

MAX_SESSION_ID_CHARS = 128
#: The flag by which Sanic-CORS marks a request as handled (sanic_cors.core.SANIC_CORS_EVALUATED).
SANIC_CORS_HANDLED = "_sanic_cors_e"
#: Extra fields of the bot_uttered event of some responses (what the widget does with them: see the docstring).
RESPONSE_HINTS: dict[str, dict[str, Any]] = {
    "utter_data_deleted": {"forget": True},
    "utter_checklist": {"keep": "checklist"},
}
LANGUAGE_EVENT = "session_language"
BAD_REQUEST_EVENT = "bad_request"
#: The event an undecodable packet is turned into (handled below, never forwarded to Rasa).
_UNREADABLE_EVENT = "__expat_sante_unreadable_packet__"


def session_id_from(data: Any) -> str:
    """The session a browser asks to resume, or a new one when it sends none or something unusable."""
    session_id = data.get("session_id") if isinstance(data, dict) else None
    if isinstance(session_id, str) and 0 < len(session_id) <= MAX_SESSION_ID_CHARS and session_id.isprintable():
        return session_id
    return uuid.uuid4().hex


class BoundedPacket(sio_packet.Packet):
    """A socket.io packet whose JSON may not be nested too deeply: an event that is becomes ``_UNREADABLE_EVENT``
    (so that the client gets an answer) instead of an exception in the server's receive task.
    Patch 'socketio-bounded-packet' (rasa_server/patches.py)."""

    packet_type: Any  # set by python-socketio's Packet (untyped)
    data: Any

    def decode(self, encoded_packet: Any) -> int:
        try:
            count = super().decode(encoded_packet)
            too_deep = nested_deeper_than(self.data)
        except RecursionError:
            count, too_deep = 0, True
        if too_deep:
            if self.packet_type in (sio_packet.EVENT, sio_packet.BINARY_EVENT):
                self.packet_type, self.data, count = sio_packet.EVENT, [_UNREADABLE_EVENT], 0
            else:
                self.data = None
        return count


def _bounded_json(raw: Any) -> Any:
    return loads_bounded(raw) if isinstance(raw, (str, bytes)) else raw


async def conversation_language(sender_id: str) -> str | None:
    """The conversation's ``language`` slot, read from the rasa server's tracker store (None when unknown or deleted).
    ``retrieve``, not ``get_or_create_tracker``: a deleted conversation must not be created again."""
    try:
        agent = _agent()
        if agent is None or agent.tracker_store is None:
            return None
        tracker = await agent.tracker_store.retrieve(sender_id)
        language = tracker.get_slot("language") if tracker is not None else None
    except Exception:  # the language hint is best effort: never let it break a turn
        logger.exception("could not read the conversation's language")
        return None
    return language if language in ("en", "fr") else None


class CorsHandOffSocketBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint, keeping Sanic-CORS off the socket.io path once attached to the app:
    python-socketio checks the origin against CORS_ORIGINS and sets the headers itself.
    Patch 'socketio-cors' (rasa_server/patches.py)."""

    __slots__ = ()

    def register(self, app: Any, options: Any) -> None:
        super().register(app, options)
        socketio_path = self.ctx.socketio_path or "/socket.io"

        @app.middleware("request")
        async def socketio_answers_cors(request: Any) -> None:
            if request.path.startswith(socketio_path):
                setattr(request.ctx, SANIC_CORS_HANDLED, "1")


def _hints(kwargs: dict[str, Any]) -> dict[str, Any]:
    return dict(RESPONSE_HINTS.get(kwargs.get("utter_action") or "", {}))


class WidgetSocketIOOutput(SocketIOOutput):
    """Bot messages as the web widget reads them: one event per utterance, custom payloads under ``custom``.
    Sent with Rasa's private ``_send_message``: patch 'socketio-handlers' (rasa_server/patches.py)."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text.strip(), **_hints(kwargs)})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_message(
            recipient_id,
            {
                "text": text.strip(),
                "buttons": [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in buttons],
                **_hints(kwargs),
            },
        )

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class GuardedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> OutputChannel | None:
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
            # Set on the servers Rasa built: patches 'socketio-cors' and 'socketio-bounded-packet' (patches.py).
            sio.eio.cors_allowed_origins = allowed_origins()
            sio.packet_class = BoundedPacket

            async def bad_request(sid: str, reason: str) -> None:
                language = None
                for room in sio.rooms(sid, namespace=self.namespace) or []:
                    if room != sid:
                        language = language or await conversation_language(room)
                await sio.emit(
                    BAD_REQUEST_EVENT,
                    {
                        "status": 400,
                        "error": "bad_request",
                        "reason": reason,
                        "message": too_deep_message(language) if reason == TOO_DEEP_REASON else reason,
                    },
                    room=sid,
                    namespace=self.namespace,
                )

            async def unreadable_packet(sid: str, *args: Any) -> None:
                await bad_request(sid, TOO_DEEP_REASON)

            async def user_uttered(sid: str, data: Any = None, *rest: Any) -> None:
                """Rasa's handler, with the body checked first (see the module docstring)."""
                if not isinstance(data, dict):
                    await bad_request(sid, "the message must be a JSON object")
                    return
                if self.session_persistence:
                    sender_id = data.get("session_id")
                    if not isinstance(sender_id, str) or not sender_id or len(sender_id) > MAX_SESSION_ID_CHARS:
                        await bad_request(sid, "'session_id' must be the id confirmed by session_request")
                        return
                else:
                    sender_id = sid
                try:
                    metadata = _bounded_json(data.get(self.metadata_key) or {})
                except TooDeep:
                    await bad_request(sid, TOO_DEEP_REASON)
                    return
                except ValueError:
                    await bad_request(sid, f"'{self.metadata_key}' must be an object")
                    return
                text = data.get("message", "")
                message = UserMessage(
                    text if isinstance(text, str) else None,
                    WidgetSocketIOOutput(sio, self.bot_message_evt),
                    sender_id,
                    input_channel=self.name(),
                    metadata=metadata if isinstance(metadata, dict) else {},
                )
                await with_widget_output(message)
                language = await conversation_language(sender_id)
                if language:
                    target = sender_id if self.session_persistence else sid
                    await sio.emit(LANGUAGE_EVENT, {"language": language}, room=target, namespace=self.namespace)

            sio.on(_UNREADABLE_EVENT, unreadable_packet, namespace=self.namespace)
            sio.on(self.user_message_evt, user_uttered, namespace=self.namespace)  # replaces Rasa's handler

            async def session_request(sid: str, data: Any) -> None:
                session_id = session_id_from(data)
                if self.session_persistence:
                    await sio.enter_room(sid, session_id)
                await sio.emit("session_confirm", session_id, room=sid)

            sio.on("session_request", session_request, namespace=self.namespace)  # replaces Rasa's handler
        if isinstance(blueprint, SocketBlueprint):
            blueprint.__class__ = CorsHandOffSocketBlueprint  # Rasa builds it; same object, one method more
        return blueprint
