"""The ``python -m bot calc`` interface: exit codes, JSON shape, French output, clear errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.calculator.cli import main

ROOT = Path(__file__).resolve().parents[3]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_module_entry_point_prints_the_json_object():
    # The real command, as integrators run it.
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "calc",
            "--care",
            "gp",
            "--price",
            "30",
            "--date",
            "2026-01-10",
            "--mutuelle",
            "100",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert (data["statutory_paid"], data["complementary_paid"], data["out_of_pocket"]) == (19.0, 9.0, 2.0)
    # Euros are printed with exactly two decimals.
    assert re.search(r'"out_of_pocket": 2\.00\b', completed.stdout)
    assert re.search(r'"statutory_paid": 19\.00\b', completed.stdout)


def test_json_has_the_documented_fields(capsys):
    code, out, _ = run(
        capsys, "--care", "hospital", "--price", "1000", "--nights", "3", "--date", "2026-03-01", "--json"
    )
    assert code == 0
    data = json.loads(out)
    for name in (
        "base",
        "rate",
        "statutory_paid",
        "complementary_paid",
        "out_of_pocket",
        "assumptions",
        "explanation",
        "chart",
        "deductions",
        "forfaits",
        "sources",
        "rules_version",
    ):
        assert name in data
    assert data["billed"] == 1023.0
    assert data["forfaits"][0]["kind"] == "forfait_journalier" and data["forfaits"][0]["count"] == 4
    assert [p["part"] for p in data["chart"]] == ["statutory", "complementary", "you"]
    assert [p["label"] for p in data["chart"]] == ["Sécurité sociale", "Complementary cover", "You"]
    assert all(a["text"] for a in data["assumptions"])
    assert all(s["sources"] and s["confidence"] in "HML" for s in data["sources"])


def test_human_output_in_french(capsys):
    code, out, _ = run(
        capsys, "--care", "gp", "--price", "30", "--medecin-traitant", "no", "--date", "2026-01-10", "--lang", "fr"
    )
    assert code == 0
    assert "Reste à votre charge : 23,00 €" in out
    assert "La Sécurité sociale verse 7,00 €" in out
    assert "Hypothèses" in out and "Règles utilisées (version du 3 mars 2026)" in out


def test_json_explanation_follows_the_language(capsys):
    code, out, _ = run(
        capsys, "--care", "lab", "--price", "40", "--mutuelle", "100", "--date", "2026-01-10", "--json", "--lang", "fr"
    )
    assert code == 0
    data = json.loads(out)
    assert "Reste à votre charge : 2,00 €" in data["explanation"]
    assert data["lang"] == "fr"


def test_emergency_without_price(capsys):
    code, out, _ = run(capsys, "--care", "emergency", "--date", "2026-03-01", "--json")
    assert code == 0
    assert json.loads(out)["out_of_pocket"] == 23.0


def test_defaults_are_documented_ones(capsys):
    # Default: today, age 30, médecin traitant yes, sector 1, no ALD, not pregnant, no CSS, no mutuelle.
    code, out, _ = run(capsys, "--care", "gp", "--price", "30", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["statutory_paid"] == 19.0 and data["complementary"] == "none"


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--care", "gp", "--price", "-5"], "cannot be negative"),
        (["--care", "massage", "--price", "30"], "invalid choice"),
        (["--care", "gp", "--price", "30", "--pregnancy-month", "10"], "from 1 to 9"),
        (["--care", "dentist"], "price is needed"),
        (["--care", "gp", "--sector", "2"], "price is needed"),
        (["--care", "gp", "--price", "abc"], "must be a number"),
        (["--care", "gp", "--price", "30.123"], "more than two decimals"),
        (["--care", "gp", "--price", "30", "--date", "2026-02-30"], "invalid date"),
        (["--care", "gp", "--price", "30", "--date", "2023-01-01"], "rules from 22 December 2024"),
        (["--care", "gp", "--price", "30", "--age", "-1"], "age must be"),
        (["--care", "gp", "--price", "30", "--rate", "65"], "only to medication"),
        (["--care", "medication", "--price", "30", "--rate", "50"], "invalid choice"),
        (["--care", "gp", "--price", "30", "--nights", "2"], "only to a hospital stay"),
        (["--care", "lab", "--price", "30", "--heavy-act", "yes"], "only to a hospital stay"),
        (["--care", "lab", "--price", "30", "--sector", "2"], "only to doctors"),
        (["--care", "gp", "--price", "30", "--mutuelle", "lots"], "mutuelle level"),
        (["--care", "gp", "--price", "30", "--mutuelle", "100", "--css", "yes"], "not both"),
        (["--care", "gp", "--price", "30", "--sector", "4"], "invalid choice"),
        (["--price", "30"], "required"),
        (["--care", "gp", "--price", "30", "--unknown"], "unrecognized arguments"),
    ],
)
def test_invalid_input_exits_2_with_a_clear_message(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert fragment in err


def test_errors_are_worded_in_french_when_asked(capsys):
    code, _, err = run(capsys, "--care", "gp", "--price", "-5", "--lang", "fr")
    assert code == 2 and "ne peut pas être négatif" in err
    code, _, err = run(capsys, "--care", "massage", "--lang", "fr")
    assert code == 2 and "Commande invalide" in err


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "--pregnancy-month" in out and "--heavy-act" in out
    # Issue 17: the new cares and options, and the explain mode.
    for option in (
        "crown",
        "hearing_aid",
        "glasses",
        "--frame-price",
        "--basket",
        "--material",
        "--tooth",
        "--device-class",
        "--urgent",
        "explain",
    ):
        assert option in out, option
    assert "100% Santé" in out and "%%" not in out  # argparse formats the options' help, not the description


def test_loose_fields_from_a_form_give_the_same_estimate_as_typed_ones():
    import datetime as dt
    from decimal import Decimal

    from bot.calculator import EstimateRequest, estimate

    loose = EstimateRequest.from_fields(
        {
            "care": "gp",
            "price": "30,00",
            "date": "2026-01-10",
            "age": "40",
            "medecin_traitant": "non",
            "mutuelle": "100%",
            "sector": 1,
            "ald": "",
            "pregnancy_month": None,
        }
    )
    typed = EstimateRequest(
        care="gp",
        price=Decimal("30"),
        date=dt.date(2026, 1, 10),
        age=40,
        medecin_traitant=False,
        mutuelle=Decimal(100),
        sector="1",
    )
    assert loose == typed
    assert estimate(loose).out_of_pocket == Decimal("14.00")
    assert EstimateRequest.from_fields({"care": "gp", "price": "30", "mutuelle": "none"}).mutuelle is None


@pytest.mark.parametrize(
    "fields, key",
    [
        ({"care": "gp", "price": "30", "ald": "maybe"}, "yes_no_invalid"),
        ({"care": "gp", "price": "30", "age": "thirty"}, "number_invalid"),
        ({"care": "gp", "price": "30", "date": "10/01/2026"}, "date_invalid"),
        ({"care": "gp", "price": "30", "iban": "FR76..."}, "unknown_field"),
        ({"price": "30"}, "unknown_care"),
    ],
)
def test_loose_fields_are_checked(fields, key):
    from bot.calculator import CalculatorInputError, EstimateRequest, error_text

    with pytest.raises(CalculatorInputError) as info:
        EstimateRequest.from_fields(fields)
    assert info.value.key == key
    assert error_text(info.value, "fr") and error_text(info.value, "en")


def test_money_is_formatted_by_babel_in_each_language():
    from decimal import Decimal

    from bot.calculator.explain import format_money

    # French: narrow no-break space between thousands, no-break space before the sign (CLDR, as Intl.NumberFormat).
    assert format_money(Decimal("1234.56"), "fr") == "1\u202f234,56\u00a0€"
    assert format_money(Decimal("1234.56"), "en") == "€1,234.56"
    assert format_money(Decimal("0"), "fr") == "0,00\u00a0€"
