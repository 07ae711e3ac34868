"""socket.io channel for the web widget: Rasa's SocketIOInput with the shared input guard and CORS limited to
the configured origins (Rasa's own accepts every origin)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.channels.base import allowed_origins, guarded


class GuardedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(guarded(on_new_message))
        if self.sio is not None:
            self.sio.eio.cors_allowed_origins = allowed_origins()
        return blueprint
