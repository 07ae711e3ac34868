"""The estimate as one JSON-ready mapping: the ``python -m bot calc --json`` interface (people script against it).

Euros stay ``Decimal`` (rounded to the cent) for the writer to print with two decimals; rates, levels, rule values,
assumption parameters and the chart's parts are JSON numbers, as they always were. With a language, the texts and the
explanation in that language come from the presentation layer (``explain``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bot.calculator.explain import assumption_text, chart_label, explain, headline, main_assumption
from bot.calculator.money import money
from bot.calculator.result import Estimate


def _number(value: Any) -> Any:
    """An assumption's parameter as JSON: a number, an ISO date or the value as it is."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def estimate_json(estimate: Estimate, lang: str | None = None) -> dict[str, Any]:
    """Every figure of ``estimate`` (euros as ``Decimal`` to the cent); with ``lang``, the texts in that language."""
    citations, official = estimate.citations, estimate.official
    data: dict[str, Any] = {
        "care": estimate.request.care,
        "date": estimate.request.date.isoformat(),
        "price": money(estimate.price),
        "billed": money(estimate.billed),
        "base": money(estimate.base),
        "rate": float(estimate.rate),
        "rate_reason": estimate.rate_reason,
        "statutory_gross": money(estimate.statutory_gross),
        "deductions": [
            {"kind": d.kind, "amount": money(d.amount), "reason": d.reason, "coverable": d.coverable}
            for d in estimate.deductions
        ],
        "statutory_paid": money(estimate.statutory_paid),
        "complementary": estimate.complementary,
        "complementary_level": (
            float(estimate.complementary_level) if estimate.complementary_level is not None else None
        ),
        "complementary_paid": money(estimate.complementary_paid),
        "out_of_pocket": money(estimate.out_of_pocket),
        "forfaits": [
            {
                "kind": f.kind,
                "unit": money(f.unit),
                "count": f.count,
                "due": money(f.due),
                "imputed": money(f.imputed),
                "charged": money(f.charged),
            }
            for f in estimate.forfaits
        ],
        "full_rate_amount": money(estimate.full_rate_amount),
        "majoration": money(estimate.majoration),
        "not_coverable_fees": money(estimate.not_coverable_fees),
        "excess_fees": money(estimate.excess_fees),
        "assumptions": [
            {"key": a.key, "params": {k: _number(v) for k, v in a.params.items()}}
            | ({"text": assumption_text(a, lang)} if lang else {})
            for a in estimate.assumptions
        ],
        "sources": [
            {
                "rule": v.key,
                "value": float(v.value),
                "from": v.start.isoformat(),
                "confidence": v.confidence,
                "sources": [citations.get(s, s) for s in v.sources],
                "official_sources": [citations.get(s, s) for s in v.sources if s in official],
                "note": v.note,
            }
            for v in estimate.sources
        ],
        "rules_version": estimate.rules_version.isoformat(),
        "chart": [
            {"part": p.part, "amount": float(p.amount), "percent": float(p.percent)}
            | ({"label": chart_label(p.part, estimate.complementary, lang)} if lang else {})
            for p in estimate.chart_parts()
        ],
    }
    if lang:
        data["lang"] = lang
        data["headline"] = headline(estimate, lang)
        data["main_assumption"] = main_assumption(estimate, lang)
        data["explanation"] = explain(estimate, lang)
    return data
