"""Reading Telegram updates: what the user sent, in which chat, with which language hint (no Rasa import).

Only private chats are served: the assistant talks about a person's own health cover, and ``/delete`` erases one
person's conversation, which a group chat would share between people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.safety.guard import EMPTY_TRIGGER, TOO_LONG_TRIGGER, guard_text
from bot.text import language_code
from rasa_server.telegram_format import DETAILS_PREFIX

#: Messages that carry something the user sent on purpose but no text: answered with the "type your question" reply.
_MEDIA_WITHOUT_TEXT = ("photo", "voice", "audio", "video", "video_note", "document", "location", "contact", "venue")

_LANGUAGE_WORDS = {
    "en": "en", "english": "en", "anglais": "en",
    "fr": "fr", "french": "fr", "francais": "fr", "français": "fr",
}  # fmt: skip


def language_hint(code: object) -> str | None:
    """The conversation language suggested by a Telegram ``language_code`` ("fr-FR" → "fr"), or None."""
    return language_code(code, names=False)


def command_message(text: str) -> str | None:
    """The Rasa message for one of the bot's commands (/start, /language [en|fr], /delete), or None."""
    if not text.startswith("/"):
        return None
    head, _, argument = text.partition(" ")
    command = head[1:].split("@", 1)[0].lower()  # "/start@ExpatSanteBot" in a client that adds the bot's name
    if command == "start":
        return "/greet"
    if command == "delete":
        return "/delete_my_data"
    if command in ("language", "langue"):
        language = _LANGUAGE_WORDS.get(argument.strip().lower())
        if language:
            return "/switch_language" + json.dumps({"language": language}, separators=(",", ":"))
        return "/switch_language"  # the bot then asks which language, with buttons
    return None


@dataclass(frozen=True)
class Incoming:
    """One update worth handling: the text for Rasa (None: only acknowledge), who sent it, and how to answer."""

    chat_id: int
    text: str | None
    language: str | None = None
    callback_query_id: str | None = None
    callback_message_id: int | None = None
    button_title: str | None = None
    details_key: str | None = None  # a "How this is calculated" button: shown by the channel, not sent to Rasa

    @property
    def metadata(self) -> dict[str, str]:
        return {"language": self.language} if self.language else {}


def _private_chat_id(message: Any) -> int | None:
    if not isinstance(message, dict):
        return None
    chat = message.get("chat")
    if not isinstance(chat, dict) or chat.get("type") != "private" or not isinstance(chat.get("id"), int):
        return None
    return chat["id"]


def _text_for_rasa(text: str) -> str:
    guarded = guard_text(text)
    if guarded in (EMPTY_TRIGGER, TOO_LONG_TRIGGER) or not guarded.startswith("/"):
        return guarded
    # A typed command: ours map to intents; any other "/word" is read as words, so that typing cannot
    # inject an intent or entities the way a button payload does.
    return command_message(guarded) or guard_text(guarded[1:])


def parse_update(update: Any, payloads: Any = None) -> Incoming | None:
    """What to do with one Telegram update; None for everything the bot ignores (stickers, edits, channels…).

    ``payloads`` resolves the keys that stand for long button payloads (``telegram_format.ButtonPayloads``).
    """
    if not isinstance(update, dict):
        return None
    if "message" in update:
        return _parse_message(update["message"])
    if "callback_query" in update:
        return _parse_callback(update["callback_query"], payloads)
    return None  # edited_message, channel_post, inline_query, my_chat_member, ...


def _parse_message(message: Any) -> Incoming | None:
    chat_id = _private_chat_id(message)
    sender = message.get("from") if isinstance(message, dict) else None
    if chat_id is None or not isinstance(sender, dict) or sender.get("is_bot"):
        return None
    language = language_hint(sender.get("language_code"))
    text = message.get("text")
    if not isinstance(text, str):
        text = message.get("caption")  # a photo or document sent with a question
    if isinstance(text, str):
        return Incoming(chat_id, _text_for_rasa(text), language)
    if any(kind in message for kind in _MEDIA_WITHOUT_TEXT):
        return Incoming(chat_id, EMPTY_TRIGGER, language)
    return None  # stickers, animations, dice, service messages (pinned, joined, ...)


def _parse_callback(query: Any, payloads: Any) -> Incoming | None:
    if not isinstance(query, dict) or not isinstance(query.get("id"), str):
        return None
    raw_message = query.get("message")
    message: dict[str, Any] = raw_message if isinstance(raw_message, dict) else {}
    chat_id = _private_chat_id(message)
    raw_sender = query.get("from")
    sender: dict[str, Any] = raw_sender if isinstance(raw_sender, dict) else {}
    language = language_hint(sender.get("language_code"))
    data = query.get("data")
    title = _button_title(message, data)
    if chat_id is None or not isinstance(data, str):
        # Still answered (the client shows a spinner until then), but nothing reaches the dialogue.
        return Incoming(0, None, language, query["id"])
    if data.startswith(DETAILS_PREFIX):
        message_id = message.get("message_id") if isinstance(message.get("message_id"), int) else None
        return Incoming(chat_id, None, language, query["id"], message_id, title, details_key=data)
    payload = payloads.payload(data) if payloads is not None else data
    if payload is None:
        payload = title  # a key issued before a restart: the button's title is the next best thing
    return Incoming(
        chat_id,
        guard_text(payload) if payload else None,
        language,
        query["id"],
        message.get("message_id") if isinstance(message.get("message_id"), int) else None,
        title,
    )


def _button_title(message: Any, data: Any) -> str | None:
    markup = message.get("reply_markup") if isinstance(message, dict) else None
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    for row in rows if isinstance(rows, list) else []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data:
                title = button.get("text")
                return title if isinstance(title, str) else None
    return None
