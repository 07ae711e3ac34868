"""The deletion confirmation says on Telegram, in both languages, what it cannot reach (the user's Telegram history),
and stays as it was on the other channels (domain.yml utter_data_deleted, picked by Rasa's own NLG)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


@pytest.fixture(scope="module")
def nlg() -> TemplatedNaturalLanguageGenerator:
    return TemplatedNaturalLanguageGenerator(yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"])


@pytest.mark.parametrize(
    "language, history", [("en", "Telegram still keeps the messages"), ("fr", "Telegram garde pourtant les messages")]
)
def test_telegram_confirmation_names_the_telegram_history(nlg, language, history):
    for _ in range(5):  # several variations could match: the choice must not be random
        text = nlg.generate_from_slots("utter_data_deleted", {"language": language}, "telegram")["text"]
        assert history in text
        assert ("deleted from my memory" in text) == (language == "en")
        assert ("effacée de ma mémoire" in text) == (language == "fr")


@pytest.mark.parametrize("channel", ["socketio", "rest"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_other_channels_keep_the_plain_confirmation(nlg, channel, language):
    for _ in range(5):
        text = nlg.generate_from_slots("utter_data_deleted", {"language": language}, channel)["text"]
        assert "Telegram" not in text
        assert ("deleted from my memory" in text) == (language == "en")
