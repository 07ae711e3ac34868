"""The cost conversation's reading of free text and its answer (bot/guidance/cost.py over the calculator)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.calculator import CalculatorInputError, error_text
from bot.guidance.cost import (
    build_cost_answer,
    check_fields,
    extract_cost_fields,
    parse_price,
    recognise_care,
    required_questions,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "How much will I get back for a €30 GP visit? I have a médecin traitant and no mutuelle",
            {"care": "gp", "price": "30", "medecin_traitant": "yes", "mutuelle": "none"},
        ),
        (
            "Combien je paie chez le dermatologue à 50 euros sans mutuelle ?",
            {"care": "specialist", "price": "50", "mutuelle": "none"},
        ),
        (
            "j'ai 70 ans, kiné à 20,50 € avec une mutuelle à 200 %",
            {"care": "physio", "price": "20.50", "mutuelle": "200", "age": "70"},
        ),
        ("my 5-year-old sees the pédiatre, 35€", {"care": "pediatrician", "price": "35", "age": "5"}),
        ("I have the CSS, dentist 23 euros", {"care": "dentist", "price": "23", "mutuelle": "css"}),
        ("sans médecin traitant, combien pour le généraliste ?", {"care": "gp", "medecin_traitant": "no"}),
        ("how much is reimbursed?", {}),
    ],
)
def test_a_message_gives_what_it_says_and_nothing_more(text, expected):
    assert extract_cost_fields(text) == expected


def test_a_bare_answer_is_read_as_the_question_that_was_asked():
    assert extract_cost_fields("30", requested="price") == {"price": "30"}
    assert extract_cost_fields("30") == {}  # a lone number outside the question is not a price
    assert extract_cost_fields("non", requested="mutuelle") == {"mutuelle": "none"}
    assert extract_cost_fields("150%", requested="mutuelle") == {"mutuelle": "150"}
    assert extract_cost_fields("yes", requested="medecin_traitant") == {"medecin_traitant": "yes"}
    assert extract_cost_fields("no", requested="medecin_traitant") == {"medecin_traitant": "no"}


def test_the_medecin_traitant_is_not_read_as_a_gp_visit():
    assert recognise_care("I have a médecin traitant") is None
    assert recognise_care("dermatologue") == "specialist"
    assert recognise_care("gp") == "gp"


def test_a_price_needs_a_currency_unless_it_was_asked():
    assert parse_price("€30.50") == "30.50"
    assert parse_price("30,50 €") == "30.50"
    assert parse_price("I am 30") is None
    assert parse_price("0 €") is None


def test_medecin_traitant_is_asked_only_for_an_adult_at_the_doctor():
    def needs_medecin_traitant(care: str, age: str | None) -> bool:  # the cost form's questions (actions/cost.py)
        return "medecin_traitant" in required_questions({"care": care, "age": age})

    assert needs_medecin_traitant("gp", None)
    assert needs_medecin_traitant("specialist", "40")
    assert not needs_medecin_traitant("gp", "12")
    assert not needs_medecin_traitant("dentist", None)
    # Issue 17: the calculator decides, and every doctor's consultation depends on it for an adult.
    for care in ("psychiatrist", "gynecologist", "pediatrician", "teleconsultation"):
        assert needs_medecin_traitant(care, "40"), care
    assert not needs_medecin_traitant("pediatrician", "5")


@pytest.mark.parametrize(
    "fields, missing",
    [
        ({}, ["care", "price", "medecin_traitant", "mutuelle"]),
        ({"care": "gp"}, ["medecin_traitant", "mutuelle"]),  # the €30 tariff is the default price
        ({"care": "gp", "price": "30"}, ["medecin_traitant", "mutuelle"]),
        ({"care": "psychiatrist", "age": "40", "mutuelle": "none"}, ["medecin_traitant"]),
        ({"care": "gp", "age": "10"}, ["mutuelle"]),
        ({"care": "dentist"}, ["price", "mutuelle"]),
        ({"care": "hospital", "mutuelle": "100"}, ["price"]),
        ({"care": "emergency"}, ["mutuelle"]),
        ({"care": "gp", "mutuelle": "css"}, []),  # the CSS: no hors-parcours penalty, nothing else to ask
        ({"care": "psychologist", "age": "2"}, []),  # not covered before 3: nothing changes the answer
    ],
)
def test_only_the_questions_that_change_the_estimate_are_missing(fields, missing):
    from bot.guidance.cost import missing_questions

    assert missing_questions(fields) == missing


def test_without_a_price_the_official_tariff_is_used_and_said():
    answer = build_cost_answer({"care": "gp", "medecin_traitant": "yes", "mutuelle": "none"}, "en")
    assert answer.payload["price"] == 30.0
    assert "€19.00" in answer.headline and "€11.00" in answer.headline
    assert "official tariff of €30.00" in answer.assumption
    fr = build_cost_answer({"care": "psychiatrist", "age": "40", "medecin_traitant": "yes", "mutuelle": "none"}, "fr")
    assert "tarif officiel de 57,00 €" in fr.assumption


@pytest.mark.parametrize(
    "care, first",
    [("dentist", "23"), ("hospital", "500"), ("ambulance", "50"), (None, "30"), ("gp", "30")],
)
def test_price_buttons_fit_the_care(care, first):
    from bot.guidance.cost import price_options

    options = price_options(care)
    assert len(options) == 3 and options[0] == first
    assert all(Decimal(o) > 0 for o in options)
    assert price_options("hospital") != price_options("dentist")


@pytest.mark.parametrize(
    "text, paid, refunded, care",
    [
        ("My GP charged €30 and ameli paid me €19", "30", "19", "gp"),
        ("Why did I get €19 back for €30?", "30", "19", None),
        ("j'ai payé 30 € chez le généraliste et la sécu m'a remboursé 19 €", "30", "19", "gp"),
        ("On m'a remboursé 5,50 € pour une boîte de médicament à 10 €", "10", "5.50", "medication"),
    ],
)
def test_a_refund_question_gives_what_was_paid_and_refunded(text, paid, refunded, care):
    from bot.guidance.cost import parse_refund_question

    facts = parse_refund_question(text)
    assert facts is not None
    assert (facts.paid, facts.refunded, facts.care) == (Decimal(paid), Decimal(refunded), care)


def test_a_cost_question_is_not_a_refund_question():
    from bot.guidance.cost import parse_refund_question

    assert parse_refund_question("How much will I get back for a €30 GP visit?") is None
    assert parse_refund_question("Combien je paie chez le dermatologue à 50 euros ?") is None
    assert parse_refund_question("ameli refunded me") is None  # no amounts


@pytest.mark.parametrize("lang, you, billed", [("en", "€11.00", "€30.00"), ("fr", "11,00 €", "30,00 €")])
def test_the_answer_has_a_chart_payload_that_adds_up_in_the_users_language(lang, you, billed):
    slots = {"care": "gp", "price": "30", "medecin_traitant": "yes", "mutuelle": "none"}
    answer = build_cost_answer(slots, lang)
    explanation, payload = answer.details, answer.payload
    assert payload["type"] == "cost_breakdown" and payload["lang"] == lang and payload["currency"] == "EUR"
    assert [part["part"] for part in payload["parts"]] == ["statutory", "complementary", "you"]
    assert sum(Decimal(str(p["amount"])) for p in payload["parts"]) == Decimal(str(payload["billed"]))
    assert you in payload["text"] and billed in payload["text"]
    assert set(payload) == {
        "type",
        "lang",
        "care",
        "date",
        "currency",
        "billed",
        "price",
        "parts",
        "text",
        "headline",
        "assumption",
        "details",
    }
    assert all(set(p) == {"part", "label", "amount", "percent", "formatted"} for p in payload["parts"])
    assert payload["parts"][2]["formatted"] == you
    assert you in explanation


def test_a_better_mutuelle_lowers_what_the_user_pays():
    def you_pay(level: str) -> float:
        slots = {"care": "specialist", "price": "50", "medecin_traitant": "yes", "mutuelle": level}
        return next(p["amount"] for p in build_cost_answer(slots, "en").payload["parts"] if p["part"] == "you")

    assert you_pay("none") > you_pay("100") > you_pay("200")


def test_the_css_is_passed_to_the_calculator_as_such():
    slots = {"care": "gp", "price": "30", "medecin_traitant": "yes", "mutuelle": "css"}
    payload = build_cost_answer(slots, "en").payload
    assert payload["parts"][1]["label"] == "CSS"


def test_invalid_values_get_the_calculators_message_in_the_users_language():
    assert check_fields({"care": "gp", "price": "30"}, "en") is None
    assert "négatif" in check_fields({"care": "gp", "price": "-3"}, "fr")
    with pytest.raises(CalculatorInputError):
        build_cost_answer({"care": "gp", "price": "30", "mutuelle": "2000"}, "en")


@pytest.mark.parametrize("care", ["crown", "hearing_aid", "glasses"])
def test_a_price_is_accepted_before_the_basket_or_class_the_form_asks_next(care):
    """The cost form asks the price before a crown's basket or a device's class: "€340" must not be refused because
    the class is not known yet (it was, and the form asked the price again and again); a wrong price still is."""
    assert check_fields({"care": care, "price": "340"}, "en") is None
    assert "négatif" in check_fields({"care": care, "price": "-3"}, "fr")


def test_100_sante_equipment_is_a_care_and_its_basket_or_class_is_asked():
    from bot.guidance.cost import missing_questions

    assert extract_cost_fields("What will I pay for a crown at 800 euros?") == {"care": "crown", "price": "800"}
    assert extract_cost_fields("aide auditive classe 2 à 1500 €") == {
        "care": "hearing_aid",
        "price": "1500",
        "device_class": "2",
    }
    assert extract_cost_fields("tarif maîtrisé", requested="basket") == {"basket": "maitrise"}
    assert missing_questions({"care": "crown"}) == ["price", "basket", "mutuelle"]
    assert missing_questions({"care": "hearing_aid", "device_class": "1"}) == ["price", "mutuelle"]
    # The issue's €800 crown: the Sécurité sociale pays 60% of the €120 base, not 60% of the price.
    answer = build_cost_answer({"care": "crown", "price": "800", "basket": "libre", "mutuelle": "none"}, "en")
    assert "€72.00" in answer.headline and "€480.00" not in answer.headline
    with pytest.raises(CalculatorInputError) as info:
        build_cost_answer({"care": "crown", "price": "800", "mutuelle": "none"}, "fr")
    assert info.value.key == "crown_basket_needed" and "panier" in error_text(info.value, "fr")


def test_glasses_are_a_care_and_their_class_is_asked_and_read_for_glasses():
    from bot.guidance.cost import missing_questions, parse_device_class

    assert extract_cost_fields("What will I pay for glasses?") == {"care": "glasses"}
    fields = extract_cost_fields("lunettes de classe B à 340 €")
    assert fields == {"care": "glasses", "price": "340", "device_class": "B"}
    assert extract_cost_fields("glasses 100% Santé, 120 euros")["device_class"] == "A"
    assert missing_questions({"care": "glasses"}) == ["price", "device_class", "mutuelle"]
    assert missing_questions({"care": "glasses", "price": "340", "device_class": "B"}) == ["mutuelle"]
    # "100% Santé" is class I for a hearing aid and class A for glasses: read for the care asked, else not at all
    assert parse_device_class("100% Santé", "glasses") == "A"
    assert parse_device_class("100% Santé", "hearing_aid") == "1"
    assert parse_device_class("100% Santé") is None
    assert parse_device_class('/inform{"device_class": "B"}', "glasses") == "B"  # a button's payload
    assert parse_device_class("class II", "glasses") is None and parse_device_class("a", "glasses") == "A"
    assert parse_device_class("I need a pair", "glasses") is None  # "a" is not class A inside a sentence
    answer = build_cost_answer({"care": "glasses", "price": "340", "device_class": "B", "mutuelle": "none"}, "en")
    assert "€0.03" in answer.headline and "€339.97" in answer.headline
    with pytest.raises(CalculatorInputError) as info:
        build_cost_answer({"care": "glasses", "price": "340", "mutuelle": "none"}, "fr")
    assert info.value.key == "glasses_class_needed" and "classe A" in error_text(info.value, "fr")
