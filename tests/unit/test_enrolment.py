"""Recognising a user's situation and finding the guide to their enrolment route."""

import pytest
from rasa_sdk import Tracker

import actions.answer_first as answer_first
from bot.guidance.enrolment import recognise_situation, situations
from bot.knowledge.articles import load_articles
from bot.retrieval import Hit
from bot.retrieval.passages import article_passages
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
        ("I just arrived in Toulouse for an exchange semester", "student"),
        ("je suis en semestre d'échange à Lyon", "student"),
        ("je fais ma thèse à Grenoble", "student"),
        ("I'm doing a master's in Lyon", "student"),
        ("I'm European, do I need to enrol?", "eu_citizen"),
        ("je suis européenne et je viens d'arriver", "eu_citizen"),
    ],
)
def test_situations_are_recognised_in_both_languages(text, expected):
    assert recognise_situation(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I am a wizard",
        "",
        None,
        "blue",
        "these are my documents",
        "my master said no",
        # The European health card is not a nationality: "going to Italy, how do I get the european health card"
        "going to italy for a week in july, how do I get the european health card",
        "je pars en Espagne, comment avoir la carte européenne",
    ],
)
def test_unknown_situations_are_not_guessed(text):
    assert recognise_situation(text) is None


class KnowledgeBase:
    """The retriever's article lookup (``Retriever.article``: the opening passage of an article in a language) over
    the real knowledge base, without building the search index."""

    def __init__(self) -> None:
        self.articles = {(a.id, a.lang): a for a in load_articles(get_settings().knowledge_dir)}

    def article(self, doc_id: str, lang: str) -> Hit | None:
        found = self.articles.get((doc_id, lang))
        return Hit.from_passage(article_passages(found)[0], 0.0) if found else None


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_situation_has_a_guide_in_both_languages(lang, monkeypatch):
    """The guide of the situation the user described is what a short question leans on (answer first)."""
    monkeypatch.setattr(answer_first, "get_retriever", KnowledgeBase)
    for situation in situations():
        tracker = Tracker(
            sender_id="unit-test",
            slots={"situation": situation},
            latest_message={},
            events=[],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )
        guides = answer_first.context_articles(tracker, lang)
        assert [(hit.doc_id, hit.lang) for hit in guides] == [(situations()[situation]["article"], lang)], situation
        assert guides[0].text, situation
