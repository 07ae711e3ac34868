"""Telling a question from a statement, in English and French (bot/understanding/phrasing.py)."""

from __future__ import annotations

import pytest

from bot.understanding.phrasing import looks_like_question


@pytest.mark.parametrize(
    "text",
    [
        "what is a mutuelle",
        "do I need a GP",
        "how much is a consultation",
        "where do I send it",
        "Is the CSS free",
        "my card is lost?",
        "c'est quoi la CSS",
        "puis-je changer de médecin traitant",
        "Est-ce que je dois payer",
        "ça coûte combien",
        "Comment ouvrir un compte ameli",
        "Qu’est-ce que la PUMa",
        "a-t-il droit à la CSS",
        "Faut-il un médecin traitant",
    ],
)
def test_questions(text):
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "I am a wizard",
        "I'm a freelance juggler",
        "je suis sorcier",
        "j'ai un rendez-vous demain",
        "am a student",
        "have a CDI",
        "peut-être salarié",
        "since March",
        "mutuelle",
        "I don't know",
        "",
        "   ",
    ],
)
def test_statements(text):
    assert not looks_like_question(text)
