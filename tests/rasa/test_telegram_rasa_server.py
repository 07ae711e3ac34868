"""The Telegram channel inside a real `rasa run` with the project's trained model and the real action server.

The Bot API is unreachable while the rasa server starts (the fake is started afterwards on the port it was
given), which is the start-up the built-in connector cannot survive. Needs `make install train` (make test runs
them first); skipped with the reason when the model or the action environment is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import yaml
from telegram_fakes import SECRET, TOKEN, FakeBotApi, callback_update, free_port, text_update

from bot.channels.telegram_config import SECRET_HEADER
from bot.channels.telegram_format import to_html, to_plain

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / os.environ.get("RASA_MODEL", "models/expat-sante.tar.gz")
ACTIONS_PYTHON = Path(os.environ.get("ACTIONS_PYTHON", ROOT / ".venv" / "actions" / "bin" / "python"))
RASA_BIN = Path(sys.executable).parent / "rasa"


def domain_text(response: str, language: str) -> str:
    """What Telegram shows for a domain response's variation (French has a condition, English is the default)."""
    variations = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"][response]
    for variation in variations:
        is_french = any(c.get("value") == "fr" for c in variation.get("condition") or [])
        if is_french == (language == "fr"):
            return to_plain(to_html(variation["text"]))
    raise KeyError(response)


def wait_until(check: Any, processes: list[subprocess.Popen], logs: list[Path], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process, log in zip(processes, logs):
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if check():
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError("servers not up in time:\n" + "\n".join(log.read_text()[-2000:] for log in logs))


class Servers:
    def __init__(self, tmp: Path) -> None:
        self.api_port, self.action_port, self.rasa_port = free_port(), free_port(), free_port()
        self.tmp = tmp
        (tmp / "credentials.yml").write_text("bot.channels.telegram.TelegramInput:\n", encoding="utf-8")
        # Own endpoints (in-memory tracker store): this test is about the channel, not the project's stores.
        (tmp / "endpoints.yml").write_text(
            f"action_endpoint:\n  url: http://127.0.0.1:{self.action_port}/webhook\n", encoding="utf-8"
        )
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("TELEGRAM_")}
        self.env.update(
            TELEGRAM_TOKEN=TOKEN,
            TELEGRAM_SECRET_TOKEN=SECRET,
            TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{self.api_port}",
            SANIC_HOST="127.0.0.1",
            PYTHONPATH=str(ROOT),
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            RASA_TELEMETRY_ENABLED="false",
        )
        self.processes: list[subprocess.Popen] = []
        self.logs = [tmp / "actions.log", tmp / "rasa.log"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start(self) -> None:
        commands = [
            [str(ACTIONS_PYTHON), "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port)],
            [str(RASA_BIN), "run", "--model", str(MODEL), "--interface", "127.0.0.1", "--port", str(self.rasa_port),
             "--endpoints", str(self.tmp / "endpoints.yml"), "--credentials", str(self.tmp / "credentials.yml"), "--debug"],
        ]  # fmt: skip
        for command, log in zip(commands, self.logs):
            self.processes.append(
                subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT)
            )
        wait_until(self.ready, self.processes, self.logs)

    def ready(self) -> bool:
        # Rasa loads the model before it starts serving: the channel answering means the model is loaded.
        actions = requests.get(f"http://127.0.0.1:{self.action_port}/health", timeout=2).status_code == 200
        return actions and requests.get(f"{self.url}/webhooks/telegram/", timeout=2).status_code == 200

    def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return requests.post(f"{self.url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=120).status_code

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


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
