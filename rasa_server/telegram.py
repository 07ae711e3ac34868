"""Telegram connector for the rasa server: ``rasa_server.telegram.TelegramInput`` in credentials.yml.

What it changes from Rasa 3.6's own Telegram connector (rasa.core.channels.telegram):
- configured from the environment only (``TELEGRAM_*``, see telegram_config.py); disabled without a token;
- start-up makes no network call: the webhook is registered by ``scripts/telegram.py set-webhook``;
- the webhook answers 403 unless the ``X-Telegram-Bot-Api-Secret-Token`` header matches ``TELEGRAM_SECRET_TOKEN``;
- any Bot API address (``TELEGRAM_API_BASE_URL``): a local Bot API server, or a test fake;
- ``from.language_code`` reaches the dialogue as ``metadata.language``;
- replies are sent as HTML, split under 4,096 characters; buttons become inline keyboards; button presses
  are answered; /start, /language and /delete map to intents; unsupported updates are ignored;
- a cost answer's ``cost_breakdown`` payload becomes a compact three-line breakdown with a "How this is
  calculated" / "Détail du calcul" button that shows the calculation (kept in memory by the channel).
Neither the token nor what users write is ever logged.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils import exceptions as telegram_errors
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.safety.guard import loads_bounded
from rasa_server.base import guarded
from rasa_server.telegram_config import SECRET_HEADER, TelegramConfig
from rasa_server.telegram_format import (
    CALLBACK_ANSWER_LIMIT,
    DETAILS_GONE,
    ButtonPayloads,
    CostDetails,
    citation,
    cost_breakdown,
    details_keyboard,
    keyboard_rows,
    preformatted,
    split_html,
    to_html,
    to_plain,
)
from rasa_server.telegram_updates import Incoming, parse_update

logger = logging.getLogger(__name__)

#: Seconds allowed for one Bot API call, so that an unreachable API cannot hold a webhook call for long.
REQUEST_TIMEOUT = 15
#: Longest wait honoured when Telegram asks to slow down (HTTP 429) before resending once.
MAX_RETRY_AFTER = 5
#: Telegram updates are a few kilobytes; anything far larger is not one.
MAX_BODY_BYTES = 256 * 1024
#: Text shown above buttons when a reply has buttons only (Telegram requires a text; this one needs no translation).
BUTTONS_ONLY_TEXT = "👇"


class _RedactingFilter(logging.Filter):
    """Keeps the token out of aiogram's log lines and drops its debug dumps, which contain message texts."""

    def __init__(self, config: TelegramConfig) -> None:
        super().__init__()
        self._config = config

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(("Make request", "Response for")):
            return False
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return True
        redacted = self._config.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def _install_log_filter(config: TelegramConfig) -> None:
    aiogram_logger = logging.getLogger("aiogram")
    if not any(isinstance(existing, _RedactingFilter) for existing in aiogram_logger.filters):
        aiogram_logger.addFilter(_RedactingFilter(config))


class TelegramOutput(RasaTelegramOutput):
    """Sends bot replies to one Telegram chat: formatted, split, with inline keyboards.
    Bypasses Rasa's ``__init__`` and closes aiogram's private ``_session``: patch 'telegram-output' (patches.py)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(
        self, config: TelegramConfig, payloads: ButtonPayloads | None = None, details: CostDetails | None = None
    ) -> None:
        # Bot.__init__ only checks the token's shape: no network call, no session until the first request.
        Bot.__init__(
            self, config.token, server=TelegramAPIServer.from_base(config.api_base_url), timeout=REQUEST_TIMEOUT
        )
        self.config = config
        self.payloads = payloads or ButtonPayloads()
        self.details = details or CostDetails()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_html(recipient_id, to_html(text or ""))

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        button_type: str | None = None,
        **kwargs: Any,
    ) -> None:
        vertical = {"vertical": True, "inline": False}.get(button_type or "")
        rows = keyboard_rows(buttons, self.payloads, vertical)
        markup = InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
        await self.send_html(recipient_id, to_html(text or "") or BUTTONS_ONLY_TEXT, reply_markup=markup)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        # Rasa's version forwards any payload to any Bot API method (even another chat_id): only known shapes here.
        kind = json_message.get("type")
        text = json_message.get("text")
        if kind == "letter" and isinstance(text, str) and text.strip():
            title = json_message.get("title")
            heading = f"<b>{to_html(title)}</b>\n" if isinstance(title, str) and title.strip() else ""
            await self.send_html(recipient_id, heading + preformatted(text))
        elif kind == "citation" and citation(json_message):
            await self.send_html(recipient_id, citation(json_message) or "")
        elif kind == "cost_breakdown" and cost_breakdown(json_message):
            rows = details_keyboard(json_message, self.details)
            markup = InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
            await self.send_html(recipient_id, cost_breakdown(json_message) or "", reply_markup=markup)
        elif isinstance(text, str) and text.strip():
            await self.send_html(recipient_id, to_html(text))
        else:
            logger.debug("Telegram: custom payload of type %r has no text for this channel; skipped", kind)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._call("sendPhoto", self.send_photo, recipient_id, image)

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        if isinstance(attachment, str) and attachment.startswith(("https://", "http://")):
            await self._call("sendDocument", self.send_document, recipient_id, attachment)
        else:
            logger.debug("Telegram: attachment that is not a URL skipped")

    async def send_html(self, recipient_id: str, markup: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
        """Sends Telegram HTML as one message or several under the length limit; buttons go under the last one."""
        parts = split_html(markup)
        for number, part in enumerate(parts, start=1):
            keyboard = reply_markup if number == len(parts) else None
            await self._send_part(recipient_id, part, keyboard)

    async def _send_part(self, chat_id: str, part: str, keyboard: InlineKeyboardMarkup | None) -> None:
        try:
            await self._call(
                "sendMessage",
                self.send_message,
                chat_id,
                part,
                parse_mode="HTML",
                disable_web_page_preview=True,
                reply_markup=keyboard,
                raise_unparsable=True,
            )
        except telegram_errors.CantParseEntities:
            # Should not happen with our own HTML; if it does, the user still gets the words.
            logger.warning("Telegram refused the formatting of a reply; sending it as plain text")
            await self._call("sendMessage", self.send_message, chat_id, to_plain(part), reply_markup=keyboard)

    async def _call(
        self, method: str, send: Callable[..., Awaitable[Any]], *args: Any, raise_unparsable: bool = False, **kw: Any
    ) -> Any:
        """One Bot API call; failures are logged (without content), never raised into the dialogue."""
        for attempt in (1, 2):
            try:
                return await send(*args, **kw)
            except telegram_errors.RetryAfter as error:
                if attempt == 2 or error.timeout > MAX_RETRY_AFTER:
                    logger.warning("Telegram %s: rate limited for %ss; message dropped", method, error.timeout)
                    return None
                await asyncio.sleep(error.timeout)
            except telegram_errors.BadRequest as error:
                if raise_unparsable and isinstance(error, telegram_errors.CantParseEntities):
                    raise
                logger.error("Telegram %s refused: %s", method, self.config.redact(str(error)))
                return None
            except (telegram_errors.TelegramAPIError, asyncio.TimeoutError) as error:
                logger.error("Telegram %s failed: %s %s", method, type(error).__name__, self.config.redact(str(error)))
                return None
        return None

    async def acknowledge_button(self, incoming: Incoming) -> None:
        """Stops the client's spinner (showing the chosen title) and removes the keyboard that was used."""
        if incoming.callback_query_id:
            title = (incoming.button_title or "")[:CALLBACK_ANSWER_LIMIT] or None
            await self._call("answerCallbackQuery", self.answer_callback_query, incoming.callback_query_id, text=title)
        if incoming.callback_message_id and incoming.chat_id:
            # A keyboard left in place invites a second press on a question already answered.
            await self._call(
                "editMessageReplyMarkup",
                self.edit_message_reply_markup,
                incoming.chat_id,
                incoming.callback_message_id,
            )

    async def send_details(self, incoming: Incoming) -> None:
        """What a "How this is calculated" button shows: the calculation, or that it is no longer available."""
        found = self.details.get(incoming.details_key or "")
        if found is None:
            text = DETAILS_GONE.get(incoming.language or "", DETAILS_GONE["en"])
            await self.send_html(str(incoming.chat_id), to_html(text))
            return
        details, _ = found
        await self.send_html(str(incoming.chat_id), to_html(details))

    async def close_session(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class TelegramInput(RasaTelegramInput):
    """Webhook for Telegram updates, mounted by Rasa at ``/webhooks/telegram/webhook``."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        if credentials:
            logger.warning(
                "Telegram: values under the channel in credentials.yml are ignored; set TELEGRAM_* variables instead"
            )
        return cls(TelegramConfig.from_env())

    def __init__(self, config: TelegramConfig, recent_updates: int = 1024) -> None:
        # Rasa's __init__ only stores its credentials; these attributes keep its other methods meaningful.
        self.config = config
        self.access_token = config.token
        self.verify = None
        self.webhook_url = config.webhook_url
        self.debug_mode = False
        self.payloads = ButtonPayloads()
        self.details = CostDetails()
        self._output: TelegramOutput | None = None
        self._recent_updates: OrderedDict[int, None] = OrderedDict()
        self._recent_limit = recent_updates
        if config.enabled:
            _install_log_filter(config)
            for problem in config.problems():
                logger.error("Telegram channel: %s", problem)
        else:
            logger.info("Telegram channel disabled (TELEGRAM_TOKEN is not set)")

    def get_output_channel(self) -> TelegramOutput | None:
        """The channel replies go through; None when Telegram is not configured. Never calls Telegram."""
        if self._output is None and self.config.enabled:
            try:
                self._output = TelegramOutput(self.config, self.payloads, self.details)
            except telegram_errors.ValidationError:
                return None  # a malformed token, reported at start-up
        return self._output

    def _seen(self, update_id: int) -> bool:
        # Telegram resends an update it thinks was not delivered: handle each one once.
        if update_id in self._recent_updates:
            return True
        self._recent_updates[update_id] = None
        while len(self._recent_updates) > self._recent_limit:
            self._recent_updates.popitem(last=False)
        return False

    def _authorised(self, request: Request) -> bool:
        expected = self.config.secret_token
        given = request.headers.get(SECRET_HEADER) or ""
        return bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Same as every channel: rate limit, metadata whitelist, apology when a turn has no reply.
        on_new_message = guarded(on_new_message)
        telegram_webhook = Blueprint("expat_sante_telegram", __name__)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "enabled": self.get_output_channel() is not None})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            out_channel = self.get_output_channel()
            if out_channel is None:
                return response.json({"ok": False, "error": "telegram channel not configured"}, status=503)
            if not self._authorised(request):
                logger.warning("Telegram webhook: request without the right secret token refused")
                return response.json({"ok": False, "error": "forbidden"}, status=403)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"ok": False, "error": "body too large"}, status=413)
            try:
                update = loads_bounded(request.body or b"")  # a too deeply nested body is refused too (TooDeep)
            except ValueError:
                return response.json({"ok": False, "error": "body is not JSON"}, status=400)
            if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                return response.json({"ok": False, "error": "not a Telegram update"}, status=400)
            if self._seen(update["update_id"]):
                return response.json({"ok": True, "handled": False})

            incoming = parse_update(update, self.payloads)
            if incoming is None:
                logger.debug("Telegram update %s ignored (unsupported kind)", update["update_id"])
                return response.json({"ok": True, "handled": False})
            if incoming.callback_query_id:
                await out_channel.acknowledge_button(incoming)
            if incoming.details_key:
                await out_channel.send_details(incoming)
                return response.json({"ok": True, "handled": True})
            if incoming.text is None:
                return response.json({"ok": True, "handled": False})
            try:
                await on_new_message(
                    UserMessage(
                        incoming.text,
                        out_channel,
                        str(incoming.chat_id),
                        input_channel=self.name(),
                        metadata=incoming.metadata,
                    )
                )
            except Exception as error:  # answered 200 all the same: a redelivered update would fail again
                # Only the error's type: its message or traceback could quote what the user wrote.
                logger.error("Telegram update %s: handling failed (%s)", update["update_id"], type(error).__name__)
            return response.json({"ok": True, "handled": True})

        @telegram_webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            if self._output is not None:
                await self._output.close_session()

        return telegram_webhook
