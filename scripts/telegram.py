"""Telegram outside the rasa server: register the webhook, inspect it, or relay updates by long polling.

    python scripts/telegram.py set-webhook      # tell Telegram where to post updates (retried, logged)
    python scripts/telegram.py delete-webhook
    python scripts/telegram.py info             # what Telegram knows about the webhook (last error, backlog)
    python scripts/telegram.py poll             # no public URL: fetch updates and relay them to the local server

Polling relays each update to the rasa server's own Telegram webhook (``--rasa-url``, default
http://localhost:5005) with the secret header, exactly as Telegram would post it: the server code path is the
same in both modes, and the rasa server needs no polling logic. Configuration comes from the environment
(``TELEGRAM_*``, see docs/telegram.md). Standard library only: runs with any Python 3.10+.

Exit codes: 0 done, 1 Telegram or the rasa server refused or stayed unreachable, 2 configuration missing.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa_server.telegram_config import (
    ALLOWED_UPDATES,
    COMMANDS,
    SECRET_HEADER,
    WEBHOOK_PATH,
    TelegramConfig,
)

logger = logging.getLogger("telegram")

OK, FAILED, MISCONFIGURED = 0, 1, 2


class ApiError(Exception):
    """Telegram answered ``ok: false``; ``retryable`` when trying again later may succeed."""

    def __init__(self, description: str, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(description)
        self.retryable = retryable
        self.retry_after = retry_after


class BotApi:
    """A minimal Bot API client (JSON over HTTPS); error messages never contain the token."""

    def __init__(self, config: TelegramConfig, timeout: float = 30) -> None:
        self.config = config
        self.timeout = timeout

    def call(self, method: str, timeout: float | None = None, **params: Any) -> Any:
        request = urllib.request.Request(
            self.config.api_url(method),
            data=json.dumps(params).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as reply:
                body = json.loads(reply.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            try:
                body = json.loads(error.read().decode("utf-8"))
            except ValueError:
                body = {"ok": False, "error_code": error.code, "description": f"HTTP {error.code}"}
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise ApiError(self.config.redact(f"{method}: Bot API unreachable ({reason})"), retryable=True) from None
        if body.get("ok"):
            return body.get("result")
        code = int(body.get("error_code") or 0)
        retry_after = (body.get("parameters") or {}).get("retry_after")
        description = self.config.redact(f"{method}: {body.get('description') or 'refused'} [{code}]")
        # Flood control and server trouble pass; a bad token, URL or secret does not.
        raise ApiError(description, retryable=code == 429 or code >= 500 or code == 0, retry_after=retry_after)


def with_retries(
    action: Callable[[], Any], attempts: int, first_delay: float, sleep: Callable[[float], None] = time.sleep
) -> Any:
    """Runs ``action`` until it succeeds, waiting 1x, 2x, 4x… ``first_delay`` between tries (at most 60 s)."""
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except ApiError as error:
            if not error.retryable or attempt == attempts:
                raise
            wait = max(float(error.retry_after or 0), delay)
            logger.warning("attempt %d/%d failed: %s; next try in %.1f s", attempt, attempts, error, wait)
            sleep(wait)
            delay = min(delay * 2, 60)
    raise AssertionError("unreachable")


def register_commands(api: BotApi) -> None:
    """The command menu Telegram clients show, in English by default and in French for French-speaking users."""
    for language, commands in COMMANDS.items():
        # Telegram parameters, not BotApi.call's own (timeout).
        scope: dict[str, Any] = {} if language == "en" else {"language_code": language}
        api.call("setMyCommands", commands=[{"command": c, "description": d} for c, d in commands], **scope)


def set_webhook(config: TelegramConfig, args: argparse.Namespace) -> int:
    problems = config.webhook_problems()
    if problems:
        for problem in problems:
            logger.error("%s", problem)
        return MISCONFIGURED
    api = BotApi(config)
    logger.info("registering the webhook %s with %s", config.webhook_url, config.api_base_url)
    try:
        with_retries(
            lambda: api.call(
                "setWebhook",
                url=config.webhook_url,
                secret_token=config.secret_token,
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=args.drop_pending,
            ),
            args.attempts,
            args.delay,
        )
        with_retries(lambda: register_commands(api), args.attempts, args.delay)
    except ApiError as error:
        logger.error("webhook not registered: %s", error)
        return FAILED
    logger.info("webhook registered; Telegram will post updates to %s", config.webhook_url)
    return OK


def delete_webhook(config: TelegramConfig, args: argparse.Namespace) -> int:
    if not config.token:
        logger.error("TELEGRAM_TOKEN is not set")
        return MISCONFIGURED
    try:
        with_retries(lambda: BotApi(config).call("deleteWebhook"), args.attempts, args.delay)
    except ApiError as error:
        logger.error("webhook not deleted: %s", error)
        return FAILED
    logger.info("webhook deleted")
    return OK


def info(config: TelegramConfig, args: argparse.Namespace) -> int:
    if not config.token:
        logger.error("TELEGRAM_TOKEN is not set")
        return MISCONFIGURED
    try:
        found = BotApi(config).call("getWebhookInfo")
    except ApiError as error:
        logger.error("%s", error)
        return FAILED
    shown = {key: found.get(key) for key in ("url", "pending_update_count", "last_error_message", "allowed_updates")}
    print(json.dumps(shown, indent=2, ensure_ascii=False))
    return OK


class Relay:
    """Posts updates to the rasa server's Telegram webhook, as Telegram itself would."""

    def __init__(self, config: TelegramConfig, rasa_url: str, timeout: float = 120) -> None:
        self.url = rasa_url.rstrip("/") + WEBHOOK_PATH
        self.secret = config.secret_token
        self.timeout = timeout

    def deliver(self, update: dict[str, Any]) -> int:
        """The webhook's HTTP status; raises OSError when the rasa server cannot be reached."""
        request = urllib.request.Request(
            self.url,
            data=json.dumps(update).encode("utf-8"),
            headers={"Content-Type": "application/json", SECRET_HEADER: self.secret},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code


def poll(config: TelegramConfig, args: argparse.Namespace) -> int:
    problems = config.problems() if config.token else ["TELEGRAM_TOKEN is not set"]
    if problems:
        for problem in problems:
            logger.error("%s", problem)
        return MISCONFIGURED
    api = BotApi(config, timeout=args.timeout + 15)
    relay = Relay(config, args.rasa_url)
    try:
        # Telegram refuses getUpdates while a webhook is set: polling replaces it until set-webhook is run again.
        with_retries(lambda: api.call("deleteWebhook"), args.attempts, args.delay)
        with_retries(lambda: register_commands(api), args.attempts, args.delay)
    except ApiError as error:
        logger.error("cannot start polling: %s", error)
        return FAILED
    logger.info("polling Telegram; relaying updates to %s (Ctrl-C to stop)", relay.url)
    offset: int | None = None
    failures = 0
    while True:
        try:
            params: dict[str, Any] = {"timeout": args.timeout, "allowed_updates": list(ALLOWED_UPDATES)}
            if offset is not None:
                params["offset"] = offset
            updates = api.call("getUpdates", **params)
            failures = 0
        except ApiError as error:
            failures += 1
            if not error.retryable or failures >= args.attempts:
                logger.error("polling stopped: %s", error)
                return FAILED
            wait = max(float(error.retry_after or 0), min(args.delay * 2 ** (failures - 1), 60))
            logger.warning("getUpdates failed (%s); retrying in %.1f s", error, wait)
            time.sleep(wait)
            continue
        for update in updates or []:
            outcome = relay_one(relay, update, args)
            if outcome is not None:
                return outcome
            offset = int(update["update_id"]) + 1  # Telegram forgets updates below the next offset
        if args.once:
            if offset is not None:
                api.call("getUpdates", offset=offset, timeout=0)  # confirm, so they are not fetched again
            return OK


def relay_one(relay: Relay, update: dict[str, Any], args: argparse.Namespace) -> int | None:
    """Delivers one update, waiting for the rasa server if it is down; an exit code when polling must stop."""
    delay = args.delay
    for attempt in range(1, args.attempts + 1):
        try:
            status = relay.deliver(update)
        except OSError as error:
            logger.warning(
                "rasa server unreachable at %s (%s); attempt %d/%d", relay.url, error, attempt, args.attempts
            )
            time.sleep(delay)
            delay = min(delay * 2, 60)
            continue
        if status == 403:
            logger.error("the rasa server refused the secret: run it with the same TELEGRAM_SECRET_TOKEN")
            return FAILED
        if status in (404, 503):
            logger.error("the rasa server has no Telegram channel (HTTP %d): is TELEGRAM_TOKEN set for it?", status)
            return FAILED
        if status >= 400:
            logger.warning("update %s refused by the rasa server (HTTP %d); skipped", update.get("update_id"), status)
        return None
    logger.error("rasa server unreachable; stopping (update %s not delivered)", update.get("update_id"))
    return FAILED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/telegram.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=6, help="tries before giving up (default 6)")
    parser.add_argument("--delay", type=float, default=1.0, help="first wait between tries, doubled each time")
    commands = parser.add_subparsers(dest="command", required=True)
    register = commands.add_parser("set-webhook", help="register TELEGRAM_WEBHOOK_URL with Telegram")
    register.add_argument("--drop-pending", action="store_true", help="discard updates waiting at Telegram")
    commands.add_parser("delete-webhook", help="stop Telegram from posting to the webhook")
    commands.add_parser("info", help="show what Telegram knows about the webhook")
    relay = commands.add_parser("poll", help="fetch updates by long polling and relay them to the rasa server")
    relay.add_argument("--rasa-url", default="http://localhost:5005", help="the local rasa server")
    relay.add_argument("--timeout", type=int, default=30, help="long-polling wait in seconds")
    relay.add_argument("--once", action="store_true", help="one round of getUpdates, then stop (for tests)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s telegram %(levelname)s %(message)s")
    config = TelegramConfig.from_env()
    handlers = {"set-webhook": set_webhook, "delete-webhook": delete_webhook, "info": info, "poll": poll}
    try:
        return handlers[args.command](config, args)
    except KeyboardInterrupt:
        logger.info("stopped")
        return OK


if __name__ == "__main__":
    sys.exit(main())
