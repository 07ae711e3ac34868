"""The result of ``estimate``: who pays what, why, and from which rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.calculator.money import HUNDRED
from bot.calculator.request import EstimateRequest
from bot.calculator.rules import RuleVersion

TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Deduction:
    """An amount taken off the statutory payment. ``coverable``: a contrat responsable may refund it."""

    kind: str
    amount: Decimal
    reason: str
    coverable: bool = False


@dataclass(frozen=True)
class Forfait:
    """A flat fee added to the bill (forfait journalier, forfait patient urgences).

    ``due`` is unit × count; ``charged`` is what is added to the bill once the part imputed on the ticket
    modérateur is taken off (``imputed``).
    """

    kind: str
    unit: Decimal
    count: int
    due: Decimal
    imputed: Decimal
    charged: Decimal


@dataclass(frozen=True)
class Assumption:
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChartPart:
    """One part of the bill in the chart: who pays (statutory, complementary or you), how much, and its share in %."""

    part: str
    amount: Decimal
    percent: Decimal


@dataclass(frozen=True)
class Estimate:
    request: EstimateRequest
    price: Decimal  # the price given (0 for an emergency visit without one)
    billed: Decimal  # price + forfaits charged on top of it
    base: Decimal
    rate: Decimal
    rate_reason: str
    base_reason: str
    statutory_gross: Decimal
    deductions: tuple[Deduction, ...]
    statutory_paid: Decimal
    complementary: str  # "none", "mutuelle" or "css"
    complementary_level: Decimal | None  # % of the base the complementary tops up to (after contrat-responsable caps)
    complementary_paid: Decimal
    out_of_pocket: Decimal
    forfaits: tuple[Forfait, ...]
    majoration: Decimal  # hors-parcours majoration of the ticket modérateur (not coverable)
    not_coverable_fees: Decimal  # fees above the base that no contrat responsable may refund (hors-parcours DA, …)
    excess_fees: Decimal  # other fees above the base (a mutuelle may refund them within its level)
    full_rate_amount: Decimal  # long hospital stays: the part of the price paid at 100% (the rest is at ``rate``)
    assumptions: tuple[Assumption, ...]
    sources: tuple[RuleVersion, ...]
    citations: dict[str, str]  # source id → citation, for the sources used
    rules_version: dt.date
    official: frozenset[str] = frozenset()  # ids of the cited sources that are official pages (shown to users)

    def chart_parts(self) -> tuple[ChartPart, ...]:
        """Who pays what, for a chart: statutory, complementary, you (amount, and share of the bill in % to 0.1)."""
        parts = (
            ("statutory", self.statutory_paid),
            ("complementary", self.complementary_paid),
            ("you", self.out_of_pocket),
        )
        total = self.billed
        return tuple(
            ChartPart(name, amount, (amount * HUNDRED / total).quantize(TENTH) if total else Decimal(0))
            for name, amount in parts
        )
