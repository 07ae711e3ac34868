"""'Why did I get €X back for €Y?': real refund situations explained by their deductions (bot/calculator/refund.py).

Each case gives its source; the amounts are those the sources state or that follow from rules.yml.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from bot.calculator.cli import main
from bot.calculator.explain import refund_text
from bot.calculator.refund import RefundFacts, explain_refund

D = Decimal
JAN_2026 = dt.date(2026, 1, 10)

# (id, facts, expected departures from the usual case or None when it cannot be explained, deduction kinds, fragment)
CASES = [
    # service-public F17042: a €30 GP consultation with the médecin traitant, 70% less the €2 forfait = €19
    ("gp-19", RefundFacts(D(30), D(19), "gp", JAN_2026), {}, ["participation_forfaitaire"], "70% × €30.00 − €2.00"),
    # service-public F17042: "Si la consultation est de 35 €, vous serez aussi remboursé 19 €" (base €30, not the price)
    ("gp-35-19", RefundFacts(D(35), D(19), "gp", JAN_2026), {}, ["participation_forfaitaire"], "the €5.00 above it"),
    # service-public F17042: not your médecin traitant, 30%: 9 − 2 = €7
    (
        "gp-hors-parcours-7",
        RefundFacts(D(30), D(7), "gp", JAN_2026),
        {"medecin_traitant": False},
        ["participation_forfaitaire"],
        "lowered by 40 points: €12.00",
    ),
    # non-OPTAM sector 2 GP (base €23, rules.yml tariff.gp_non_optam): 70% × 23 − 2 = €14.10
    (
        "gp-non-optam",
        RefundFacts(D(60), D("14.10"), "gp", JAN_2026),
        {"sector": "2"},
        ["participation_forfaitaire"],
        "a sector 2 doctor without OPTAM",
    ),
    # one box at 65% with the €1 franchise (rules.yml rate.medication_default, franchise.medication)
    ("medicine", RefundFacts(D(10), D("5.50"), "medication", JAN_2026), {}, ["franchise"], "65% × €10.00 − €1.00"),
    # a physio session at 60% with the €1 franchise: 60% of €16.13 = 9.68 − 1 = €8.68
    ("physio", RefundFacts(D("16.13"), D("8.68"), "physio", JAN_2026), {}, ["franchise"], "€8.68"),
    # ameli "Le forfait à 24 euros": a stay with an act of €120 or more is at 100% less €24
    (
        "hospital-forfait-24",
        RefundFacts(D(5000), D(4976), "hospital", JAN_2026),
        {"heavy_act": True},
        ["heavy_act_forfait"],
        "forfait on heavy acts",
    ),
    # medical transport at 55% since 1 Aug 2023 with the €4 franchise: 55 − 4 = €51
    ("ambulance", RefundFacts(D(100), D(51), "ambulance", JAN_2026), {}, ["franchise"], "55% × €100.00 − €4.00"),
    # the care not named: the GP case is found among the usual ones
    ("unnamed", RefundFacts(D(30), D(19), None, JAN_2026), {}, ["participation_forfaitaire"], "GP consultation"),
    # €12 back for €30 at the GP matches no rule: say so and what to check
    ("unexplained", RefundFacts(D(30), D(12), "gp", JAN_2026), None, [], "does not match"),
]


@pytest.mark.parametrize("facts, departures, kinds, fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refund_situations(facts, departures, kinds, fragment):
    explanation = explain_refund(facts)
    text = refund_text(explanation, "en")
    assert fragment in text
    if departures is None:
        assert not explanation.explained and explanation.reason == "no_situation"
        assert "36 46" in text and "\n\n- " in text
        return
    assert explanation.explained
    match = explanation.matches[0]
    assert match.departures == departures
    assert match.estimate.statutory_paid == facts.refunded
    assert [d.kind for d in match.estimate.deductions] == kinds
    assert "\n\n- " in text  # CommonMark: the list after a blank line
    assert refund_text(explanation, "fr")  # and in French


def test_the_french_explanation_names_the_same_deductions():
    text = refund_text(explain_refund(RefundFacts(D(30), D(19), "gp", JAN_2026)), "fr")
    assert "70 % × 30,00 € − 2,00 € = 19,00 €" in text and "participation forfaitaire" in text


def test_a_refund_above_the_price_or_before_the_rules_is_not_guessed():
    above = explain_refund(RefundFacts(D(30), D(40), "gp", JAN_2026))
    assert above.reason == "refund_above_price" and "more than the price" in refund_text(above, "en")
    early = explain_refund(RefundFacts(D(30), D(19), "gp", dt.date(2023, 5, 1)))
    assert early.reason == "date_before_rules" and "22 December 2024" in refund_text(early, "en")


def test_cli_explain(capsys):
    code = main(["explain", "--paid", "30", "--refunded", "19", "--care", "gp", "--date", "2026-01-10"])
    out = capsys.readouterr().out
    assert code == 0 and "70% × €30.00 − €2.00 = €19.00" in out
    code = main(
        ["explain", "--paid", "30", "--refunded", "7", "--care", "gp", "--date", "2026-01-10", "--json", "--lang", "fr"]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["explained"] and data["situation"] == {"medecin_traitant": False}
    assert data["estimate"]["rate"] == 30.0 and "30 %" in data["explanation"]


def test_cli_explain_errors_and_help(capsys):
    assert main(["explain", "--paid", "abc", "--refunded", "19"]) == 2
    assert "number" in capsys.readouterr().err
    assert main(["explain", "--refunded", "19"]) == 2
    assert main(["explain", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--paid" in out and "--refunded" in out
