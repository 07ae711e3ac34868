"""Personal data is redacted from user text before Rasa sees, stores or logs it."""

import json
from pathlib import Path

import pytest

from bot.safety.guard import guard_text
from bot.safety.privacy import redact


@pytest.mark.parametrize(
    "text, kind",
    [
        ("mon numéro est 1 85 05 78 006 084 36", "nir"),
        ("my social security number: 185057800608436", "nir"),
        ("provisional number 7 92 01 99 123 456", "nir"),
        ("Corsica: 2 69 05 2A 123 456 12", "nir"),
        ("IBAN FR76 3000 6000 0112 3456 7890 189", "iban"),
        ("rib FR7630006000011234567890189", "iban"),
        ("GB82 WEST 1234 5698 7654 32", "iban"),
        ("write to jane.doe+cpam@example.org", "email"),
        ("appelez-moi au 06 12 34 56 78", "phone"),
        ("my phone is +33 6 12 34 56 78", "phone"),
        ("or 0033 612345678", "phone"),
        ("US number +1 415 555 0134", "phone"),
    ],
)
def test_personal_data_is_replaced_by_a_marker(text, kind):
    result = redact(text)
    assert result.kinds == (kind,)
    assert f"[{kind.upper()}]" in result.text
    digits_left = [ch for ch in result.text if ch.isdigit()]
    assert len(digits_left) < 4 or kind == "iban" and "[IBAN]" in result.text


@pytest.mark.parametrize(
    "text",
    [
        "How much is a GP visit at €30 on 2026-03-01?",
        "Call 36 46 for the Assurance Maladie",
        "Form S1106 (Cerfa 15763), English version Cerfa 15993",
        "I paid 31,50 euros, I'm 30, 3 nights in hospital",
        "emergency: 15 or 112",
        "my code FR123",
    ],
)
def test_ordinary_questions_are_left_alone(text):
    assert redact(text).text == text and not redact(text).changed


def test_several_kinds_in_one_message():
    result = redact("NIR 2 90 12 75 123 456 78, mail a@b.fr, tel 01 23 45 67 89")
    assert set(result.kinds) == {"nir", "email", "phone"}
    assert "a@b.fr" not in result.text and "75 123 456" not in result.text


def test_channels_redact_before_rasa():
    assert guard_text("my number is 1 85 05 78 006 084 36, what now?") == "my number is [NIR], what now?"


#: The cases web/src/privacy.js is checked against too (web/test/privacy.test.mjs): one list for both.
SHARED_CASES = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "privacy_cases.json").read_text("utf-8"))


@pytest.mark.parametrize("case", SHARED_CASES["cases"], ids=lambda case: case["text"][:40])
def test_shared_cases_with_the_widget(case):
    result = redact(case["text"])
    assert result.text == case["redacted"]
    assert list(result.kinds) == case["kinds"]
