"""Letters to the CPAM taken from the knowledge base, and the advice for a stalled, lost or refused file."""

from __future__ import annotations

import re

import pytest

from bot.guidance.letters import load_letter
from bot.guidance.stalled_file import STATUSES, advice, parse_since, recognise_status
from bot.safety.urgency import is_urgent
from bot.settings import get_settings

KNOWLEDGE = get_settings().knowledge_dir
LETTERS = sorted(path.stem for path in (KNOWLEDGE / "fr").glob("letter-*.md"))


@pytest.mark.parametrize("letter_id", LETTERS)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_each_letter_is_the_french_text_block_of_its_article(letter_id, lang):
    letter = load_letter(letter_id, lang, KNOWLEDGE)
    article_text = (KNOWLEDGE / "fr" / f"{letter_id}.md").read_text(encoding="utf-8")
    assert letter.text in article_text and "```" not in letter.text
    assert letter.text.startswith("[NOM Prénom]") and "Madame, Monsieur" in letter.text
    payload = letter.payload()
    assert payload == {"type": "letter", "lang": "fr", "title": letter.title, "text": letter.text}
    title_line = next(
        line for line in (KNOWLEDGE / lang / f"{letter_id}.md").read_text().splitlines() if line.startswith("title:")
    )
    assert letter.title in title_line


@pytest.mark.parametrize("letter_id", LETTERS)
def test_letters_hold_placeholders_and_no_personal_data(letter_id):
    text = load_letter(letter_id, "en", KNOWLEDGE).text
    assert "[numéro de sécurité sociale" in text
    assert not re.search(r"\b[12]\s?\d{2}\s?\d{2}\s?\d{2}\s?\d{3}\s?\d{3}\b", text)  # no social security number
    assert not re.search(r"[\w.]+@[\w.]+", text)  # no e-mail
    assert not re.search(r"\bFR\d{2}[ \d]{10,}", text)  # no IBAN


def test_an_unknown_letter_id_is_refused():
    with pytest.raises(ValueError):
        load_letter("../secrets", "en", KNOWLEDGE)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("no news since March", "no_news"),
        ("toujours rien", "no_news"),
        ("ils ont perdu mon dossier", "lost"),
        ("the CPAM never received my application", "lost"),
        ("my application was refused", "refused"),
        ("la CPAM me demande des pièces manquantes", "documents_requested"),
        ("documents_requested", "documents_requested"),
        ("hello", None),
    ],
)
def test_what_happened_is_recognised_in_both_languages(text, expected):
    assert recognise_status(text) == expected


@pytest.mark.parametrize("status", sorted(STATUSES))
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_each_status_gets_its_own_section_and_the_right_letter(status, lang):
    found = advice(status, lang, KNOWLEDGE)
    assert found.steps.text and found.source.startswith("https://")
    expected = {
        "no_news": "letter-stalled-file",
        "lost": "letter-stalled-file",
        "documents_requested": "letter-missing-documents",
        "refused": None,
    }
    assert found.letter_id == expected[status]
    keyword = {
        "no_news": ("news", "nouvelles"),
        "documents_requested": ("documents", "pièces"),
        "lost": ("lost", "perdu"),
        "refused": ("refused", "refusée"),
    }[status]
    assert keyword[lang == "fr"] in found.steps.heading.lower()


def test_since_when_is_read_from_free_text():
    assert parse_since("6 weeks") == "under_3_months"
    assert parse_since("depuis 5 mois") == "3_months_or_more"
    assert parse_since("a while") is None


@pytest.mark.parametrize(
    "text, urgent",
    [
        ("my child can't breathe", True),
        ("c'est urgent, j'ai mal à la poitrine", True),
        ("EMERGENCY", True),
        ("il me faut une ambulance", True),
        ("mon conjoint me frappe et je ne peux pas parler au téléphone", True),
        ("my husband hits me, who can I call?", True),
        ("je subis des violences conjugales", True),
        ("I am in danger at home", True),
        ("my baby has 40 of fever what do I do", True),
        ("mon bébé a 40 de fièvre", True),
        ("my son fell and his arm looks broken", True),
        ("elle est tombée, son bras est cassé", True),
        ("my daughter is having a seizure", True),
        ("is a fever consultation refunded?", False),
        ("my carte vitale is broken", False),
        ("la sécu me rembourse combien ?", False),
        ("my partner is French, can I get covered?", False),
        ("how do I get a carte vitale?", False),
        ("merci", False),
        ("", False),
    ],
)
def test_urgency_is_detected_anywhere_in_a_message(text, urgent):
    assert is_urgent(text) is urgent
