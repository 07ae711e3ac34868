"""The personal enrolment checklist (bot/guidance/checklist.py + checklist.yml) and the answers the enrolment form
reads."""

from __future__ import annotations

import itertools
import re

import pytest

from bot.guidance.checklist import (
    RESIDENCE,
    SECTIONS,
    build_checklist,
    data,
    implied_nationality,
    parse_residence,
    recognise_nationality,
    three_month_rule_applies,
)
from bot.guidance.enrolment import situations
from bot.settings import get_settings

KNOWLEDGE = get_settings().knowledge_dir
ALLOWED_PHONES = {"3646", "0974753646", "33974753646", "15", "112"}
ALLOWED_FORMS = {"S1106", "S3705", "S1"}
ALLOWED_CERFA = {"15763", "15993"}


@pytest.mark.parametrize(
    "situation, nationality, residence, lang",
    list(itertools.product(situations(), ("eu", "uk", "non_eu", None), (*RESIDENCE, None), ("en", "fr"))),
)
def test_every_situation_gets_a_complete_checklist_in_both_languages(situation, nationality, residence, lang):
    checklist = build_checklist(situation, nationality, residence, lang, KNOWLEDGE)
    assert set(checklist.items) == set(SECTIONS) and all(text.strip() for text in checklist.items.values())
    assert checklist.sources and all(url.startswith("https://") for _, url in checklist.sources)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", checklist.reviewed)


def test_every_item_cites_an_article_that_exists_in_both_languages():
    def items(node):
        if isinstance(node, dict) and "article" in node:
            yield node
        elif isinstance(node, dict):
            for value in node.values():
                yield from items(value)

    found = list(items(data()))
    assert len(found) > 20
    for item in found:
        assert item["en"].strip() and item["fr"].strip()
        for lang in ("en", "fr"):
            assert (KNOWLEDGE / lang / f"{item['article']}.md").is_file(), item["article"]


def test_items_use_only_the_phone_numbers_and_forms_of_the_reference():
    text = str(data())
    phones = {re.sub(r"\D", "", n) for n in re.findall(r"(?:\+33 |0)\d(?: \d\d){4}|\b\d\d \d\d\b", text)}
    assert phones <= ALLOWED_PHONES, phones
    assert set(re.findall(r"\bS\d{1,4}\b", text)) <= ALLOWED_FORMS
    assert set(re.findall(r"Cerfa (\d{5})", text)) <= ALLOWED_CERFA


def test_non_eu_citizens_are_told_about_their_residence_permit():
    en = build_checklist("employee", "non_eu", None, "en", KNOWLEDGE)
    fr = build_checklist("employee", "non_eu", None, "fr", KNOWLEDGE)
    assert "residence permit" in en.items["documents"] and "titre de séjour" in fr.items["documents"]
    assert "residence permit" not in build_checklist("employee", "eu", None, "en", KNOWLEDGE).items["documents"]


def test_the_three_month_rule_is_explained_only_where_it_applies():
    waiting = build_checklist("inactive", "non_eu", "under_3_months", "en", KNOWLEDGE)
    ready = build_checklist("inactive", "non_eu", "3_months_or_more", "en", KNOWLEDGE)
    assert "less than three months" in waiting.items["route"]
    assert "apply now" in ready.items["route"]
    student = build_checklist("student", "non_eu", "under_3_months", "en", KNOWLEDGE)
    assert "less than three months" not in student.items["route"]
    assert three_month_rule_applies("retiree") and not three_month_rule_applies("employee")


def test_students_register_online_and_families_get_the_childrens_form():
    assert "etudiant-etranger.ameli.fr" in build_checklist("student", "eu", None, "en", KNOWLEDGE).items["route"]
    assert "S3705" in build_checklist("family_member", "non_eu", None, "fr", KNOWLEDGE).items["forms"]
    assert "S1106" in build_checklist("inactive", "eu", None, "en", KNOWLEDGE).items["forms"]


def test_every_checklist_gives_the_emergency_numbers_and_the_contacts():
    checklist = build_checklist("retiree", "non_eu", None, "fr", KNOWLEDGE)
    assert "15" in checklist.items["waiting"] and "112" in checklist.items["waiting"]
    assert "36 46" in checklist.items["timeline"] and "09 74 75 36 46" in checklist.items["timeline"]


def test_an_unknown_situation_is_an_error_not_a_guess():
    with pytest.raises(KeyError):
        build_checklist("astronaut", "eu", None, "en", KNOWLEDGE)


def test_eu_routes_imply_the_nationality_group():
    assert implied_nationality("eu_s1") == "eu" and implied_nationality("student") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I'm American", "non_eu"),
        ("je suis allemande", "eu"),
        ("UK", "uk"),
        ("Swiss", "eu"),
        ("I'm British", "uk"),
        ("je suis britannique", "uk"),
        ("from the U.K.", "uk"),
        ("Irish", "eu"),
        ("hors UE", "non_eu"),
        ("non_eu", "non_eu"),
        ("uk", "uk"),
        ("I'm European", "eu"),
        ("je suis européenne", "eu"),
        ("how do I get the european health card before my trip", None),
        ("blue", None),
        ("", None),
    ],
)
def test_nationality_groups_are_recognised(text, expected):
    assert recognise_nationality(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2 months", "under_3_months"),
        ("six weeks", "under_3_months"),
        ("un an", "3_months_or_more"),
        ("depuis 4 mois", "3_months_or_more"),
        ("je viens d'arriver", "under_3_months"),
        ("more than 3 months", "3_months_or_more"),
        ("less than 3 months", "under_3_months"),
        ("3_months_or_more", "3_months_or_more"),
        ("a while", None),
        (None, None),
    ],
)
def test_time_in_france_is_read_from_free_text(text, expected):
    assert parse_residence(text) == expected


@pytest.mark.parametrize(
    "lang, s1, no_wait", [("en", "S1", "no three-month wait"), ("fr", "S1", "sans délai de trois mois")]
)
def test_a_uk_retiree_gets_the_s1_route_without_the_three_month_wait(lang, s1, no_wait):
    checklist = build_checklist("retiree", "uk", "under_3_months", lang, KNOWLEDGE)
    assert s1 in checklist.items["route"] and no_wait in checklist.items["route"]
    # the time-in-France item tells an S1 holder to register now, and keeps the wait for those without one
    now = {"en": "with an S1, register it with your CPAM now", "fr": "avec un S1, faites-le enregistrer dès maintenant"}
    assert now[lang] in checklist.items["route"]
    # a British citizen still needs a residence permit, since the UK left the EU
    assert {"en": "residence permit", "fr": "titre de séjour"}[lang] in checklist.items["documents"]
    assert any("retire" in title.lower() or "retrait" in title.lower() for title, _ in checklist.sources)


def test_no_retiree_is_told_to_wait_three_months_unconditionally():
    for nationality in ("eu", "uk", "non_eu", None):
        for lang, wait in (("en", "the CPAM usually waits"), ("fr", "la CPAM attend en général")):
            route = build_checklist("retiree", nationality, "under_3_months", lang, KNOWLEDGE).items["route"]
            before_wait = route.split(wait)[0] if wait in route else route
            assert {"en": "Without an S1", "fr": "Sans S1"}[lang] in before_wait, (nationality, lang, route)
    american = build_checklist("retiree", "non_eu", None, "en", KNOWLEDGE).items["route"]
    assert "UK" in american and "PUMa" in american  # the route says which pensions give an S1


def test_an_s1_holder_is_never_asked_to_wait_and_a_british_one_needs_a_permit():
    for lang in ("en", "fr"):
        eu = build_checklist("eu_s1", "eu", "under_3_months", lang, KNOWLEDGE)
        assert {"en": "no three-month wait", "fr": "aucun délai de trois mois"}[lang] in eu.items["route"]
        assert {"en": "less than three months", "fr": "moins de trois mois"}[lang] not in eu.items["route"]
    assert not three_month_rule_applies("eu_s1")
    british = build_checklist("eu_s1", "uk", None, "en", KNOWLEDGE)
    assert "residence permit" in british.items["documents"]
    assert "residence permit" not in build_checklist("eu_s1", "eu", None, "en", KNOWLEDGE).items["documents"]
