"""A fake Telegram Bot API on loopback, and a scripted stand-in for the Rasa agent, for the Telegram channel tests.

The fake checks what Telegram checks (token, HTML entities, the 4,096-character limit, button data under 64 bytes,
getUpdates refused while a webhook is set) and records every call, with the entities it parsed from the HTML.
It runs in its own thread and event loop, so that blocking clients (scripts/telegram.py) can use it too.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web
from channel_server import serve_channels

from tests.support.processes import free_port  # noqa: F401  (the Telegram tests import it from here)

TOKEN = "123456:TEST-token_for-the-fake-api"
SECRET = "s3cret-for_tests"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Expat Santé", "username": "ExpatSanteTestBot"}

_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "a": "text_link", "code": "code",
    "pre": "pre", "tg-spoiler": "spoiler", "blockquote": "blockquote",
}  # fmt: skip
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class BadEntities(ValueError):
    pass


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _TelegramHtml(HTMLParser):
    """Parses Telegram HTML into the visible text and its entities, refusing what Telegram refuses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self._open: list[tuple[str, int, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ENTITY_TYPES:
            raise BadEntities(f'Unsupported start tag "{tag}"')
        self._open.append((tag, _units(self.text), {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            raise BadEntities(f'Unmatched end tag "{tag}"')
        name, offset, attrs = self._open.pop()
        length = _units(self.text) - offset
        if length:
            entity: dict[str, Any] = {"type": _ENTITY_TYPES[name], "offset": offset, "length": length}
            if name == "a":
                entity["url"] = attrs.get("href", "")
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.text += data

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        self.close()
        if self._open:
            raise BadEntities(f'Can\'t find end tag corresponding to start tag "{self._open[-1][0]}"')
        return self.text, sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))


def entity_text(message: dict[str, Any], entity: dict[str, Any]) -> str:
    """The part of a message's text an entity covers (offsets in UTF-16 code units, as Telegram gives them)."""
    encoded = message["text"].encode("utf-16-le")
    return encoded[2 * entity["offset"] : 2 * (entity["offset"] + entity["length"])].decode("utf-16-le")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None
    status: int = 200


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


@dataclass
class FakeBotApi:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    _failures: dict[str, list[ApiError]] = field(default_factory=dict)
    _next_message_id: int = 100
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- lifecycle -----------------------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeBotApi:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            app = web.Application()
            app.router.add_route("*", "/bot{token}/{method}", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", port)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-bot-api", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Bot API did not start")
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what tests use ------------------------------------------------------------------------------------

    def fail(self, method: str, status: int, description: str, times: int = 1, retry_after: int | None = None) -> None:
        """Makes the next ``times`` calls of ``method`` fail the way Telegram would."""
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        self._failures.setdefault(method, []).extend(ApiError(status, description, parameters) for _ in range(times))

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def sent_messages(self) -> list[dict[str, Any]]:
        """Messages Telegram accepted (what the user sees), in order."""
        return [call.result for call in self.calls_to("sendMessage") if call.status == 200]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) to {method}, got {len(self.calls_to(method))}")

    # --- the API -------------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        with self._lock:
            self.calls.append(call)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            failures = self._failures.get(method)
            if failures:
                raise failures.pop(0)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            call.result = await handler(params)
            return web.json_response({"ok": True, "result": call.result})
        except ApiError as error:
            call.status = error.status
            body: dict[str, Any] = {"ok": False, "error_code": error.status, "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
            return web.json_response(body, status=error.status)

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update({key: value for key, value in (await request.post()).items() if isinstance(value, str)})
        for key in ("reply_markup", "allowed_updates", "commands"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    def _message(self, chat_id: Any, **content: Any) -> dict[str, Any]:
        with self._lock:
            self._next_message_id += 1
            message_id = self._next_message_id
        chat = {"id": int(chat_id), "type": "private", "first_name": "Test"}
        return {"message_id": message_id, "from": BOT_USER, "chat": chat, "date": int(time.time()), **content}

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        raw = str(params.get("text") or "")
        if params.get("parse_mode") == "HTML":
            parser = _TelegramHtml()
            try:
                parser.feed(raw)
                text, entities = parser.result()
            except BadEntities as error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
        elif params.get("parse_mode"):
            raise ApiError(400, "Bad Request: unsupported parse_mode in this fake")
        else:
            text, entities = raw, []
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _units(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        markup = params.get("reply_markup")
        if markup:
            self._check_keyboard(markup)
            content["reply_markup"] = markup
        return self._message(params["chat_id"], **content)

    @staticmethod
    def _check_keyboard(markup: dict[str, Any]) -> None:
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if (data is None) == (button.get("url") is None):
                    raise ApiError(400, "Bad Request: can't parse inline keyboard button")

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = [{"file_id": "photo-1", "file_unique_id": "p1", "width": 10, "height": 10}]
        return self._message(params["chat_id"], photo=photo)

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        return True

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = dict(params)
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            with self._lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                pending = list(self.updates)
            if pending or time.monotonic() >= deadline:
                return pending
            await asyncio.sleep(0.05)


# --- Real Update JSON, as Telegram posts it -----------------------------------------------------------------

_update_ids = iter(range(500_000, 10_000_000))


def user(language_code: str | None = "en", user_id: int = 4242) -> dict[str, Any]:
    sender: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Ana", "username": "ana_test"}
    if language_code is not None:
        sender["language_code"] = language_code
    return sender


def text_update(text: str, language_code: str | None = "en", user_id: int = 4242, **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": 11,
        "from": user(language_code, user_id),
        "chat": {"id": user_id, "first_name": "Ana", "username": "ana_test", "type": "private"},
        "date": 1763900000,
        "text": text,
        **extra,
    }
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    return {"update_id": next(_update_ids), "message": message}


def callback_update(sent: dict[str, Any], data: str, language_code: str | None = "en", user_id: int = 4242) -> dict:
    """The update Telegram posts when the user presses a button of a message the bot sent (``sent``)."""
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": f"cbq-{next(_update_ids)}",
            "from": user(language_code, user_id),
            "message": sent,
            "chat_instance": "-7000000000000000000",
            "data": data,
        },
    }


def sticker_update(user_id: int = 4242) -> dict[str, Any]:
    update = text_update("x", user_id=user_id)
    del update["message"]["text"]
    update["message"]["sticker"] = {
        "file_id": "CAACAgIAAxkBAAI", "file_unique_id": "AgAD", "type": "regular",
        "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "👍",
    }  # fmt: skip
    return update


def edited_update(text: str, user_id: int = 4242) -> dict[str, Any]:
    update = text_update(text, user_id=user_id)
    message = update.pop("message")
    message["edit_date"] = message["date"] + 5
    update["edited_message"] = message
    return update


def channel_post_update(text: str) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "channel_post": {
            "message_id": 7,
            "sender_chat": {"id": -1001234567890, "title": "Expat news", "type": "channel"},
            "chat": {"id": -1001234567890, "title": "Expat news", "type": "channel"},
            "date": 1763900000,
            "text": text,
        },
    }


def group_update(text: str) -> dict[str, Any]:
    update = text_update(text)
    update["message"]["chat"] = {"id": -400123, "title": "Expats in Lyon", "type": "group"}
    return update


# --- A stand-in for the Rasa agent --------------------------------------------------------------------------


@dataclass
class ScriptedAgent:
    """Replies to each user message through the real output channel, as Rasa's processor does.

    ``script(text, metadata)`` returns the bot messages (Rasa's dicts: text, buttons, custom, image).
    """

    script: Any
    received: list[Any] = field(default_factory=list)

    async def handle_message(self, message: Any) -> None:
        self.received.append(message)
        for reply in self.script(message.text, message.metadata or {}):
            await message.output_channel.send_response(message.sender_id, dict(reply))


# --- The channel on a Sanic server, mounted as Rasa mounts it ------------------------------------------------


def telegram_env(api_base_url: str, **overrides: str) -> dict[str, str]:
    env = {
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_SECRET_TOKEN": SECRET,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
        "TELEGRAM_API_BASE_URL": api_base_url,
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value}


@asynccontextmanager
async def rasa_channel_server(agent: Any, environ: dict[str, str]) -> AsyncIterator[str]:
    """The Telegram input channel mounted by Rasa's own ``register`` on a Sanic server on loopback.

    ``agent`` stands in for Rasa's Agent (its ``handle_message`` gets every UserMessage). Yields the base URL.
    """
    from rasa_server.telegram import TelegramInput
    from rasa_server.telegram_config import TelegramConfig

    channel = TelegramInput(TelegramConfig.from_env(environ))
    async with serve_channels([channel], agent, "telegram_test") as url:
        yield url
