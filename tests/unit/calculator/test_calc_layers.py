"""The calculator's layers: money → rules → request → result → estimate → questions / refund → explain → report → cli.

Each module imports only from the layers before it (so there is no import cycle), the data types never word a
sentence (an input error carries a key and parameters; ``explain`` words it in the language asked), and amounts are
``Decimal`` from rules.yml to the formatting.
"""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bot.calculator import CalculatorInputError, EstimateRequest, error_text, estimate
from bot.calculator.rules import RULES_PATH, RulesError, load_rules, parse_rules, read_rules_yaml

PACKAGE = Path(RULES_PATH).parent
#: The modules in layer order; a module may import only from those before it.
LAYERS = ("money", "rules", "request", "result", "estimate", "questions", "refund", "explain", "report", "cli")


def _calculator_imports(path: Path) -> set[str]:
    """The bot.calculator modules ``path`` imports, anywhere in it (type-checking and function-level imports too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot.calculator."):
            names.add(node.module.removeprefix("bot.calculator."))
        elif isinstance(node, ast.Import):
            names |= {
                a.name.removeprefix("bot.calculator.") for a in node.names if a.name.startswith("bot.calculator.")
            }
    return names


def test_every_module_has_a_layer():
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == set(LAYERS)


@pytest.mark.parametrize("module", LAYERS)
def test_each_module_imports_only_from_the_layers_below_it(module):
    below = set(LAYERS[: LAYERS.index(module)])
    imported = _calculator_imports(PACKAGE / f"{module}.py")
    assert imported <= below, f"{module} imports {sorted(imported - below)} from its own layer or above"


def test_only_the_presentation_reads_the_texts():
    for module in LAYERS[: LAYERS.index("explain")]:
        source = (PACKAGE / f"{module}.py").read_text(encoding="utf-8")
        assert 'with_name("texts.yml")' not in source and "texts()" not in source, module


def test_an_input_error_carries_a_key_and_parameters_and_is_worded_where_the_language_is_known():
    with pytest.raises(CalculatorInputError) as info:
        EstimateRequest(care="gp", price="-3")
    error = info.value
    assert (error.key, error.params) == ("price_negative", {"price": Decimal("-3")})
    assert str(error) == "price_negative (price=Decimal('-3'))"  # for logs: no sentence, no language
    assert error_text(error, "en") == "The price cannot be negative (-3)."
    assert error_text(error, "fr") == "Le prix ne peut pas être négatif (-3)."
    with pytest.raises(CalculatorInputError) as info:
        estimate(EstimateRequest(care="gp", price="30", date=dt.date(2020, 1, 10)))
    assert info.value.params == {"date": dt.date(2020, 1, 10), "first": dt.date(2024, 12, 22)}
    assert error_text(info.value, "en") == (
        "The calculator holds the rules from 22 December 2024 only; 10 January 2020 is earlier."
    )
    assert error_text(info.value, "fr") == (
        "Le calculateur ne connaît les règles qu'à partir du 22 décembre 2024 ; le 10 janvier 2020 est antérieur."
    )


def test_rule_values_are_read_as_written_never_through_a_float():
    assert read_rules_yaml("a: 19.61\nb: 30.00\nc: 6\n") == {"a": Decimal("19.61"), "b": Decimal("30.00"), "c": 6}
    rules = load_rules()
    for versions in rules.entries.values():
        for version in versions:
            assert isinstance(version.value, Decimal) and version.value.is_finite(), version.key
    assert str(rules.version("pf.amount", dt.date(2026, 1, 10)).value) == "2.00"
    raw = read_rules_yaml(RULES_PATH.read_text(encoding="utf-8"))
    raw["entries"]["pf.amount"][0]["value"] = 2.0  # a float has lost what the file wrote: refused
    with pytest.raises(RulesError, match="decimals"):
        parse_rules(raw)


def test_the_chart_parts_are_decimal_and_add_up_to_the_bill():
    result = estimate(EstimateRequest(care="gp", price="30", mutuelle=100, date=dt.date(2026, 1, 10)))
    parts = result.chart_parts()
    assert [(p.part, p.amount, p.percent) for p in parts] == [
        ("statutory", Decimal("19.00"), Decimal("63.3")),
        ("complementary", Decimal("9.00"), Decimal("30.0")),
        ("you", Decimal("2.00"), Decimal("6.7")),
    ]
    assert sum(p.amount for p in parts) == result.billed
