"""Recognising a user's situation and finding the guide to their enrolment route."""

import pytest

from bot.guidance.enrolment import guide_article, recognise_situation, situations
from bot.settings import get_settings


@pytest.mark.parametrize(
    "text, expected",
    [
        ("je suis étudiante", "student"),
        ("I'm an international student", "student"),
        ("Salariée en CDI", "employee"),
        ("I'm self-employed", "self_employed"),
        ("je suis auto-entrepreneur", "self_employed"),
        ("I'm retired", "retiree"),
        ("my wife is French, we are married", "spouse_french"),
        ("my husband is insured in France", "family_member"),
        ("I have an S1 form", "eu_s1"),
        ("EU citizen without an S1", "eu_citizen"),
        ("je ne travaille pas", "inactive"),
        ("student", "student"),
        ("I work as a plumber", "employee"),
        ("I'm working in Lyon", "employee"),
        ("I work for myself", "self_employed"),
        ("je travaille à mon compte", "self_employed"),
        ("I study at the Sorbonne", "student"),
        ("I'm not working", "inactive"),
        ("I don't work", "inactive"),
        ("I'm a British pensioner", "retiree"),
        ("retraité britannique", "retiree"),
        ("retired British, I have an S1 from the UK", "eu_s1"),
    ],
)
def test_situations_are_recognised_in_both_languages(text, expected):
    assert recognise_situation(text) == expected


@pytest.mark.parametrize("text", ["I am a wizard", "", None, "blue"])
def test_unknown_situations_are_not_guessed(text):
    assert recognise_situation(text) is None


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_situation_has_a_guide_in_both_languages(lang):
    for situation in situations():
        article = guide_article(situation, lang, get_settings().knowledge_dir)
        assert article is not None, situation
        assert article.lang == lang and article.sections
