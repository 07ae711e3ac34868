"""scripts/telegram.py against the fake Bot API: webhook registration (with retries) and long polling relayed to the
channel's webhook."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from telegram_fakes import SECRET, TOKEN, FakeBotApi, ScriptedAgent, free_port, rasa_channel_server, text_update

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "telegram.py"


def script_env(api: str, **overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TELEGRAM_")}
    env.update(
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_SECRET_TOKEN=SECRET,
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/webhooks/telegram/webhook",
        TELEGRAM_API_BASE_URL=api,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value}


def run_script(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), "--delay", "0.05", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_set_webhook_registers_url_secret_updates_and_commands(fake_api: FakeBotApi) -> None:
    done = run_script(script_env(fake_api.base_url), "set-webhook")
    assert done.returncode == 0, done.stderr
    (call,) = fake_api.calls_to("setWebhook")
    assert call.params["url"] == "https://bot.example.org/webhooks/telegram/webhook"
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == ["message", "callback_query"]
    menus = {call.params.get("language_code", "default"): call.params["commands"]
             for call in fake_api.calls_to("setMyCommands")}  # fmt: skip
    assert set(menus) == {"default", "fr"}
    assert (
        [c["command"] for c in menus["default"]]
        == [c["command"] for c in menus["fr"]]
        == ["start", "language", "delete"]
    )
    assert menus["default"] != menus["fr"]  # descriptions translated
    assert TOKEN not in done.stderr + done.stdout


def test_set_webhook_retries_while_telegram_is_failing(fake_api: FakeBotApi) -> None:
    fake_api.fail("setWebhook", 502, "Bad Gateway", times=2)
    done = run_script(script_env(fake_api.base_url), "set-webhook")
    assert done.returncode == 0, done.stderr
    assert [call.status for call in fake_api.calls_to("setWebhook")] == [502, 502, 200]
    assert done.stderr.count("attempt") == 2  # each failed try is logged


def test_set_webhook_gives_up_with_an_error_when_telegram_stays_unreachable() -> None:
    unreachable = f"http://127.0.0.1:{free_port()}"
    done = run_script(script_env(unreachable), "--attempts", "3", "set-webhook")
    assert done.returncode == 1
    assert done.stderr.count("attempt") == 2 and "not registered" in done.stderr
    assert TOKEN not in done.stderr


def test_a_refused_token_is_not_retried(fake_api: FakeBotApi) -> None:
    done = run_script(script_env(fake_api.base_url, TELEGRAM_TOKEN="999:not-the-right-token"), "set-webhook")
    assert done.returncode == 1
    assert "Unauthorized" in done.stderr and "not-the-right-token" not in done.stderr
    assert len(fake_api.calls_to("setWebhook")) == 1


def test_missing_configuration_is_reported_before_any_call(fake_api: FakeBotApi) -> None:
    done = run_script(script_env(fake_api.base_url, TELEGRAM_WEBHOOK_URL="", TELEGRAM_SECRET_TOKEN=""), "set-webhook")
    assert done.returncode == 2
    assert "TELEGRAM_WEBHOOK_URL" in done.stderr and "TELEGRAM_SECRET_TOKEN" in done.stderr
    assert fake_api.calls == []


def dialogue(text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"text": f"**{metadata.get('language', 'en')}**: {text}"}]


async def poll_once(fake_api: FakeBotApi, agent: ScriptedAgent, secret: str) -> tuple[int, str]:
    async with rasa_channel_server(agent, {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET,
                                           "TELEGRAM_API_BASE_URL": fake_api.base_url}) as base:  # fmt: skip
        # A thread, not asyncio's subprocess API: Sanic installs uvloop's policy, which lacks child watchers.
        done = await asyncio.to_thread(
            run_script,
            script_env(fake_api.base_url, TELEGRAM_SECRET_TOKEN=secret),
            *("poll", "--once", "--timeout", "1", "--rasa-url", base),
        )
        return done.returncode, done.stderr


def test_polling_relays_updates_to_the_webhook_and_confirms_them(fake_api: FakeBotApi) -> None:
    fake_api.webhook = {"url": "https://old.example.org/hook"}  # polling must remove it first, as Telegram requires
    first, second = text_update("/start", "fr"), text_update("hello", "en", user_id=99)
    fake_api.updates = [first, second]
    agent = ScriptedAgent(dialogue)

    returncode, stderr = asyncio.run(poll_once(fake_api, agent, SECRET))
    assert returncode == 0, stderr
    assert [(m.text, m.sender_id, m.metadata) for m in agent.received] == [
        ("/greet", str(first["message"]["chat"]["id"]), {"language": "fr"}),
        ("hello", "99", {"language": "en"}),
    ]
    assert [message["text"] for message in fake_api.sent_messages()] == ["fr: /greet", "en: hello"]
    assert fake_api.calls_to("deleteWebhook")
    assert fake_api.updates == []  # the last getUpdates carried the offset that confirms both
    assert int(fake_api.calls_to("getUpdates")[-1].params["offset"]) == second["update_id"] + 1


def test_polling_stops_when_the_server_refuses_the_secret(fake_api: FakeBotApi) -> None:
    fake_api.updates = [text_update("hello")]
    agent = ScriptedAgent(dialogue)

    returncode, stderr = asyncio.run(poll_once(fake_api, agent, "another-secret"))
    assert returncode == 1
    assert "TELEGRAM_SECRET_TOKEN" in stderr
    assert agent.received == [] and len(fake_api.updates) == 1  # not confirmed: delivered later, once fixed


def test_polling_keeps_updates_at_telegram_while_the_rasa_server_is_down(fake_api: FakeBotApi) -> None:
    fake_api.updates = [text_update("hello")]
    down = f"http://127.0.0.1:{free_port()}"
    done = run_script(script_env(fake_api.base_url), "--attempts", "2", "poll", "--once", "--timeout", "1",
                      "--rasa-url", down)  # fmt: skip
    assert done.returncode == 1
    assert "rasa server unreachable" in done.stderr
    assert len(fake_api.updates) == 1  # not confirmed: Telegram will hand it over again
