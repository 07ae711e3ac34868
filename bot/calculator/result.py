"""The result of ``estimate``: who pays what, why, and from which rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.calculator.money import HUNDRED, money
from bot.calculator.request import EstimateRequest
from bot.calculator.rules import RuleVersion


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

    def chart_parts(self) -> list[dict[str, Any]]:
        """Who pays what, for a chart: statutory, complementary, you (amount and share of the bill in %)."""
        parts = (
            ("statutory", self.statutory_paid),
            ("complementary", self.complementary_paid),
            ("you", self.out_of_pocket),
        )
        total = self.billed
        return [
            {
                "part": name,
                "amount": float(amount),
                "percent": float((amount * HUNDRED / total).quantize(Decimal("0.1"))) if total else 0.0,
            }
            for name, amount in parts
        ]

    def to_dict(self, lang: str | None = None, exact: bool = False) -> dict[str, Any]:
        """JSON-ready: euros as numbers rounded to the cent; with ``lang``, texts and the explanation in that language.

        ``exact=True`` keeps euros as ``Decimal`` (two decimals) for writers that can print them exactly.
        """
        from bot.calculator.explain import assumption_text, chart_label, explain

        def eur(value: Decimal) -> float | Decimal:
            return money(value) if exact else float(money(value))

        data: dict[str, Any] = {
            "care": self.request.care,
            "date": self.request.date.isoformat(),
            "price": eur(self.price),
            "billed": eur(self.billed),
            "base": eur(self.base),
            "rate": float(self.rate),
            "rate_reason": self.rate_reason,
            "statutory_gross": eur(self.statutory_gross),
            "deductions": [
                {"kind": d.kind, "amount": eur(d.amount), "reason": d.reason, "coverable": d.coverable}
                for d in self.deductions
            ],
            "statutory_paid": eur(self.statutory_paid),
            "complementary": self.complementary,
            "complementary_level": float(self.complementary_level) if self.complementary_level is not None else None,
            "complementary_paid": eur(self.complementary_paid),
            "out_of_pocket": eur(self.out_of_pocket),
            "forfaits": [
                {
                    "kind": f.kind,
                    "unit": eur(f.unit),
                    "count": f.count,
                    "due": eur(f.due),
                    "imputed": eur(f.imputed),
                    "charged": eur(f.charged),
                }
                for f in self.forfaits
            ],
            "full_rate_amount": eur(self.full_rate_amount),
            "majoration": eur(self.majoration),
            "not_coverable_fees": eur(self.not_coverable_fees),
            "excess_fees": eur(self.excess_fees),
            "assumptions": [
                {"key": a.key, "params": {k: _jsonable(v) for k, v in a.params.items()}}
                | ({"text": assumption_text(a, lang)} if lang else {})
                for a in self.assumptions
            ],
            "sources": [
                {
                    "rule": v.key,
                    "value": float(v.value),
                    "from": v.start.isoformat(),
                    "confidence": v.confidence,
                    "sources": [self.citations.get(s, s) for s in v.sources],
                    "official_sources": [self.citations.get(s, s) for s in v.sources if s in self.official],
                    "note": v.note,
                }
                for v in self.sources
            ],
            "rules_version": self.rules_version.isoformat(),
            "chart": self.chart_parts(),
        }
        if lang:
            from bot.calculator.explain import headline, main_assumption

            data["lang"] = lang
            data["headline"] = headline(self, lang)
            data["main_assumption"] = main_assumption(self, lang)
            data["explanation"] = explain(self, lang)
            for part in data["chart"]:
                part["label"] = chart_label(part["part"], self.complementary, lang)
        return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
