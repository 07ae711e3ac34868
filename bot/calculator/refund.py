"""Why did I get €X back for €Y? The deductions that explain a Sécurité sociale refund, found by the calculator.

The refund is compared with the estimate of the same care under the usual situations (with or without a médecin
traitant, the doctor's sector, an ALD, a minor, an act of €120 or more in hospital, a SAMU transport…), from the most
ordinary to the least. The explanation is the most ordinary situation whose statutory payment is the refund to the
cent: its base, rate and deductions (participation forfaitaire, franchise, hors-parcours penalty, excess fees,
forfait on heavy acts). When none matches, it says so and what to check on the ameli statement. Every number comes
from ``rules.yml`` through ``estimate``; the sentences are worded by ``explain.refund_text`` (``texts.yml``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.calculator.estimate import estimate
from bot.calculator.money import CENT
from bot.calculator.request import CARES, DOCTOR_CARES, CalculatorInputError, EstimateRequest
from bot.calculator.result import Estimate
from bot.calculator.rules import Rules, load_rules

#: Cares tried when the user does not say which one (those billed with a single price).
UNNAMED_CARES = ("gp", "specialist", "dentist", "physio", "nurse", "lab", "imaging", "medication", "ambulance")
#: The situations tried, each with its departures from the ordinary case (fewer departures: more likely).
_DOCTOR_VARIANTS: tuple[dict[str, Any], ...] = tuple(
    {k: v for k, v in combo if v is not None}
    for combo in itertools.product(
        (("medecin_traitant", None), ("medecin_traitant", False)),
        (("sector", None), ("sector", "2-optam"), ("sector", "2"), ("sector", "3")),
        (("ald", None), ("ald", True)),
        (("age", None), ("age", 17)),
    )
)
_OTHER_VARIANTS: tuple[dict[str, Any], ...] = ({}, {"ald": True}, {"age": 17})
_HOSPITAL_VARIANTS: tuple[dict[str, Any], ...] = ({"heavy_act": True}, {}, {"ald": True})
_AMBULANCE_VARIANTS: tuple[dict[str, Any], ...] = ({}, {"urgent": True}, {"ald": True}, {"age": 17})


@dataclass(frozen=True)
class RefundFacts:
    """What the user says: the amount paid (charged), the amount the Sécurité sociale refunded, and, when known, the
    care, the date of care and the age."""

    paid: Decimal
    refunded: Decimal
    care: str | None = None
    date: dt.date | None = None
    age: int | None = None


@dataclass(frozen=True)
class RefundMatch:
    """A situation whose statutory payment equals the refund: the estimate and what departs from the usual case."""

    estimate: Estimate
    departures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundExplanation:
    facts: RefundFacts
    matches: tuple[RefundMatch, ...]  # the most ordinary situations that explain the refund (empty: none found)
    reason: str | None = None  # why nothing matched ("refund_above_price", "date_before_rules", "no_situation")
    first: dt.date | None = None  # date_before_rules: the first date of care the rules cover

    @property
    def explained(self) -> bool:
        return bool(self.matches)

    @property
    def difference(self) -> Decimal:
        return self.facts.paid - self.facts.refunded


def _variants(care: str) -> tuple[dict[str, Any], ...]:
    if care in DOCTOR_CARES:
        return _DOCTOR_VARIANTS
    if care == "hospital":
        return _HOSPITAL_VARIANTS
    if care == "ambulance":
        return _AMBULANCE_VARIANTS
    return _OTHER_VARIANTS


def explain_refund(facts: RefundFacts, rules: Rules | None = None) -> RefundExplanation:
    """The deductions that explain ``facts.refunded`` for ``facts.paid``, or an explanation without a match."""
    rules = rules or load_rules()
    if facts.refunded > facts.paid:
        return RefundExplanation(facts, (), "refund_above_price")
    if facts.date is not None and facts.date < rules.covers_from:
        return RefundExplanation(facts, (), "date_before_rules", first=rules.covers_from)
    cares = (facts.care,) if facts.care in CARES and facts.care != "emergency" else UNNAMED_CARES
    found: list[tuple[int, RefundMatch]] = []
    for care in cares:
        for variant in _variants(care):
            fields: dict[str, Any] = {"care": care, "price": facts.paid, **variant}
            if facts.date is not None:
                fields["date"] = facts.date
            if facts.age is not None:
                if "age" in variant:
                    continue  # the age is known: no guessing another one
                fields["age"] = facts.age
            try:
                result = estimate(EstimateRequest(**fields), rules)
            except CalculatorInputError:
                continue
            if result.statutory_paid == facts.refunded.quantize(CENT):
                found.append((len(variant), RefundMatch(result, variant)))
    if not found:
        return RefundExplanation(facts, (), "no_situation")
    fewest = min(rank for rank, _ in found)
    matches = tuple(match for rank, match in found if rank == fewest)[:3]
    return RefundExplanation(facts, matches)
