"""The Telegram channel inside a real `rasa run` with the project's trained model and the real action server.

The Bot API is unreachable while the rasa server starts (the fake is started afterwards on the port it was
given), which is the start-up the built-in connector cannot survive. Needs `make install train` (make test runs
them first); skipped with the reason when the model or the action environment is missing.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from telegram_fakes import SECRET, TOKEN, FakeBotApi, callback_update, free_port, text_update

from rasa_server.telegram_config import SECRET_HEADER
from rasa_server.telegram_format import to_html, to_plain
from tests.support.processes import ACTIONS_PYTHON, MODEL, ROOT, answers, offline_env, rasa_run, start, stop


def domain_text(response: str, language: str) -> str:
    """What Telegram shows for a domain response's variation (French has a condition, English is the default)."""
    variations = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"][response]
    for variation in variations:
        is_french = any(c.get("value") == "fr" for c in variation.get("condition") or [])
        if is_french == (language == "fr"):
            return to_plain(to_html(variation["text"]))
    raise KeyError(response)


TELEGRAM_SET = ("TELEGRAM_TOKEN", "TELEGRAM_SECRET_TOKEN", "TELEGRAM_API_BASE_URL")


class Servers:
    def __init__(self, tmp: Path) -> None:
        self.api_port, self.action_port, self.rasa_port = free_port(), free_port(), free_port()
        self.tmp = tmp
        (tmp / "credentials.yml").write_text("rasa_server.telegram.TelegramInput:\n", encoding="utf-8")
        # Own endpoints (in-memory tracker store): this test is about the channel, not the project's stores.
        (tmp / "endpoints.yml").write_text(
            f"action_endpoint:\n  url: http://127.0.0.1:{self.action_port}/webhook\n", encoding="utf-8"
        )
        self.env = offline_env(
            TELEGRAM_TOKEN=TOKEN,
            TELEGRAM_SECRET_TOKEN=SECRET,
            TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{self.api_port}",
            SANIC_HOST="127.0.0.1",
        )
        for key in [key for key in self.env if key.startswith("TELEGRAM_") and key not in TELEGRAM_SET]:
            del self.env[key]  # e.g. a TELEGRAM_WEBHOOK_URL of the developer's own .env
        self.processes: list[subprocess.Popen] = []
        self.logs = [tmp / "actions.log", tmp / "rasa.log"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start(self) -> None:
        actions = [str(ACTIONS_PYTHON), "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port)]
        self.processes.append(start(actions, self.logs[0], self.env, f"http://127.0.0.1:{self.action_port}/health"))
        rasa = rasa_run(
            self.rasa_port, "--debug", endpoints=self.tmp / "endpoints.yml", credentials=self.tmp / "credentials.yml"
        )
        self.processes.append(start(rasa, self.logs[1], self.env, self.ready))

    def ready(self) -> bool:
        # Rasa loads the model before it starts serving: the channel answering means the model is loaded.
        return answers(f"{self.url}/webhooks/telegram/")

    def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return requests.post(
            f"{self.url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=120
        ).status_code

    def stop(self) -> None:
        stop(self.processes)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL}: run `make train` (make test does it first)")
    if not ACTIONS_PYTHON.exists():
        pytest.skip(f"no action server environment at {ACTIONS_PYTHON}: run `make install`")
    running = Servers(tmp_path_factory.mktemp("telegram-rasa"))
    try:
        running.start()  # nothing listens on the Bot API port yet
        yield running
    finally:
        running.stop()


def test_rasa_server_starts_without_the_bot_api_and_checks_the_secret(servers: Servers) -> None:
    assert requests.get(f"{servers.url}/webhooks/telegram/", timeout=5).json() == {"status": "ok", "enabled": True}
    assert servers.post(text_update("/start", "fr"), secret=None) == 403
    assert servers.post(text_update("/start", "fr"), secret="not-the-secret") == 403


def test_french_user_gets_the_french_greeting_and_switches_language_with_a_button(servers: Servers) -> None:
    api = FakeBotApi().start(port=servers.api_port)  # Telegram "comes back"
    try:
        assert servers.post(text_update("/start", "fr-FR", user_id=31337)) == 200
        (greeting,) = api.sent_messages()
        assert greeting["chat"]["id"] == 31337
        assert greeting["text"] == domain_text("utter_greet", "fr")

        assert servers.post(text_update("/language", "fr-FR", user_id=31337)) == 200
        question = api.sent_messages()[-1]
        assert question["text"] == domain_text("utter_ask_which_language", "fr")
        buttons = [button for row in question["reply_markup"]["inline_keyboard"] for button in row]
        english = next(button for button in buttons if button["text"] == "English")

        assert servers.post(callback_update(question, english["callback_data"], "fr-FR", user_id=31337)) == 200
        assert api.calls_to("answerCallbackQuery")[-1].params["text"] == "English"
        assert api.sent_messages()[-1]["text"] == domain_text("utter_language_switched", "en")
    finally:
        api.stop()
    assert TOKEN not in "".join(log.read_text(errors="replace") for log in servers.logs)
