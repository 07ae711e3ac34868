"""The cost conversation's reading of free text and its answer (bot/cost.py over the calculator)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.calculator import CalculatorInputError
from bot.cost import (
    check_fields,
    cost_answer,
    extract_cost_fields,
    needs_medecin_traitant,
    parse_price,
    recognise_care,
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
        ("j'ai 70 ans, kiné à 20,50 € avec une mutuelle à 200 %", {"care": "physio", "price": "20.50", "mutuelle": "200", "age": "70"}),
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
    assert parse_price("30,50 €") == "30.50"
    assert parse_price("I am 30") is None
    assert parse_price("0 €") is None


def test_medecin_traitant_is_asked_only_for_an_adult_at_the_doctor():
    assert needs_medecin_traitant("gp", None)
    assert needs_medecin_traitant("specialist", "40")
    assert not needs_medecin_traitant("gp", "12")
    assert not needs_medecin_traitant("dentist", None)


@pytest.mark.parametrize("lang, you, billed", [("en", "€11.00", "€30.00"), ("fr", "11,00 €", "30,00 €")])
def test_the_answer_has_a_chart_payload_that_adds_up_in_the_users_language(lang, you, billed):
    slots = {"care": "gp", "price": "30", "medecin_traitant": "yes", "mutuelle": "none"}
    explanation, payload = cost_answer(slots, lang)
    assert payload["type"] == "cost_breakdown" and payload["lang"] == lang and payload["currency"] == "EUR"
    assert [part["part"] for part in payload["parts"]] == ["statutory", "complementary", "you"]
    assert sum(Decimal(str(p["amount"])) for p in payload["parts"]) == Decimal(str(payload["billed"]))
    assert you in payload["text"] and billed in payload["text"]
    assert set(payload) == {"type", "lang", "care", "date", "currency", "billed", "parts", "text"}
    assert all(set(p) == {"part", "label", "amount", "percent"} for p in payload["parts"])
    assert you in explanation


def test_a_better_mutuelle_lowers_what_the_user_pays():
    def you_pay(level: str) -> float:
        slots = {"care": "specialist", "price": "50", "medecin_traitant": "yes", "mutuelle": level}
        return next(p["amount"] for p in cost_answer(slots, "en")[1]["parts"] if p["part"] == "you")

    assert you_pay("none") > you_pay("100") > you_pay("200")


def test_the_css_is_passed_to_the_calculator_as_such():
    _, payload = cost_answer({"care": "gp", "price": "30", "medecin_traitant": "yes", "mutuelle": "css"}, "en")
    assert payload["parts"][1]["label"] == "CSS"


def test_invalid_values_get_the_calculators_message_in_the_users_language():
    assert check_fields({"care": "gp", "price": "30"}, "en") is None
    assert "négatif" in check_fields({"care": "gp", "price": "-3"}, "fr")
    with pytest.raises(CalculatorInputError):
        cost_answer({"care": "gp", "price": "30", "mutuelle": "2000"}, "en")
