"""Telegram channel settings, from the TELEGRAM_* variables of bot/settings.py (no Rasa import: shared by the connector
and scripts/telegram.py).

The channel is enabled when ``TELEGRAM_TOKEN`` is set. Nothing here touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.settings import TELEGRAM_API_DEFAULT, get_settings, load_settings

#: Where Telegram's own Bot API lives; ``TELEGRAM_API_BASE_URL`` points elsewhere (a local Bot API server, a test fake).
DEFAULT_API_BASE_URL = TELEGRAM_API_DEFAULT
#: Rasa mounts an input channel named ``telegram`` here.
WEBHOOK_PATH = "/webhooks/telegram/webhook"
#: The only update kinds the bot handles; asking Telegram for these alone keeps the rest from ever arriving.
ALLOWED_UPDATES = ("message", "callback_query")
#: The header Telegram sends with every webhook call when the webhook was registered with a secret token.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# Telegram's rules: a token is "<bot id>:<key>"; a secret token is 1-256 characters among A-Z a-z 0-9 _ -.
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

#: The command menu shown by Telegram clients, per language (registered by ``scripts/telegram.py``).
COMMANDS: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("start", "Start or restart the conversation"),
        ("language", "Choose English or French"),
        ("delete", "Delete my data"),
    ],
    "fr": [
        ("start", "Commencer ou reprendre la conversation"),
        ("language", "Choisir le français ou l'anglais"),
        ("delete", "Supprimer mes données"),
    ],
}


@dataclass(frozen=True)
class TelegramConfig:
    """What the Telegram channel needs; secrets are kept out of ``repr`` so they never reach a log line."""

    token: str = field(repr=False)
    secret_token: str = field(repr=False)
    webhook_url: str
    api_base_url: str = DEFAULT_API_BASE_URL

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TelegramConfig:
        """From the process's settings, or from ``environ`` (a mapping of variables, as the tests give)."""
        settings = get_settings() if environ is None else load_settings(environ)
        return cls(
            token=settings.telegram_token,
            secret_token=settings.telegram_secret_token,
            webhook_url=settings.telegram_webhook_url,
            api_base_url=settings.telegram_api_base_url,
        )

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def problems(self) -> list[str]:
        """Why the channel cannot run as configured (empty when it can); never quotes a secret."""
        found = []
        if self.token and not _TOKEN_RE.match(self.token):
            found.append("TELEGRAM_TOKEN does not look like a BotFather token ('<digits>:<key>')")
        if not self.secret_token:
            found.append("TELEGRAM_SECRET_TOKEN is not set: the webhook refuses every update without it")
        elif not _SECRET_RE.match(self.secret_token):
            found.append("TELEGRAM_SECRET_TOKEN must be 1-256 characters among A-Z, a-z, 0-9, '_' and '-'")
        if urlsplit(self.api_base_url).scheme not in ("http", "https"):
            found.append("TELEGRAM_API_BASE_URL must start with http:// or https://")
        return found

    def webhook_problems(self) -> list[str]:
        """What stops the webhook from being registered with Telegram."""
        found = self.problems()
        if not self.token:
            found.insert(0, "TELEGRAM_TOKEN is not set")
        if not self.webhook_url:
            found.append("TELEGRAM_WEBHOOK_URL is not set")
        elif urlsplit(self.webhook_url).scheme not in ("http", "https") or not urlsplit(self.webhook_url).netloc:
            found.append("TELEGRAM_WEBHOOK_URL must be an absolute http(s) URL")
        return found

    def api_url(self, method: str) -> str:
        return f"{self.api_base_url}/bot{self.token}/{method}"

    def redact(self, text: str) -> str:
        """The text with the bot token and the webhook secret masked (for log lines and error messages)."""
        for secret in (self.token, self.secret_token):
            if secret:
                text = text.replace(secret, "***")
        return text
