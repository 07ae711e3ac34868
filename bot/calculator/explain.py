"""The presentation layer: every sentence the user reads about an estimate, a refund or an input error, in English or
French, from ``texts.yml``, with euros, numbers and dates formatted for the language.

The layers below (money, rules, request, result, estimate, refund) hold numbers and keys only; this module is the
one that words them, where the language is known.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from babel.numbers import format_currency

if TYPE_CHECKING:
    from bot.calculator.refund import RefundExplanation
    from bot.calculator.request import CalculatorInputError
    from bot.calculator.result import Assumption, Estimate
    from bot.calculator.rules import RuleVersion

TEXTS_PATH = Path(__file__).with_name("texts.yml")
LANGUAGES = ("en", "fr")

#: Parameters holding euros and percentages (everything else is shown as it is, dates excepted).
MONEY_PARAMS = {
    "full",
    "amount",
    "tariff",
    "maximum",
    "threshold",
    "unit",
    "imputed",
    "value",
    "due",
    "charged",
    "base",
    "statutory",
    "complementary",
    "you",
    "billed",
    "paid",
    "refunded",
    "ticket",
    "pf_cap",
    "franchise_cap",
    "total",
    "frame",
}
PERCENT_PARAMS = {"level", "cap", "rate"}
#: Rule key prefixes whose values are euros, and those that are percentages.
MONEY_RULES = ("tariff.", "pf.", "franchise.", "cap.", "heavy_act.", "forfait_journalier.", "forfait_urgences.")
PERCENT_RULES = ("rate.", "mutuelle.non_optam_max_pct")


@lru_cache(maxsize=1)
def texts() -> dict[str, Any]:
    with open(TEXTS_PATH, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _text(section: str, key: str, lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {lang!r}")
    return texts()[section][key][lang]


#: Locales of the money format (CLDR data through Babel, like the web widget's Intl.NumberFormat).
MONEY_LOCALES = {"en": "en_GB", "fr": "fr_FR"}


def format_money(amount: Decimal, lang: str) -> str:
    """Euros for the language, by Babel: "€1,234.56" in English, "1 234,56 €" in French (a narrow no-break space
    between thousands, a no-break space before the sign, as CLDR and the widget's Intl.NumberFormat write them)."""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    return format_currency(amount, "EUR", locale=MONEY_LOCALES.get(lang, "en_GB"))


def format_number(value: Decimal | int, lang: str) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",") if lang == "fr" else text


def format_date(day: dt.date, lang: str) -> str:
    month = texts()["months"][lang][day.month - 1]
    if lang == "fr":
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    return f"{day.day} {month} {day.year}"


def _params(params: dict[str, Any], lang: str) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, dt.date):
            shown[name] = format_date(value, lang)
        elif name == "rule":
            shown[name] = _text("labels", value, lang)
        elif name == "note":
            shown[name] = _text("notes", value, lang)
        elif name == "care" and value in texts()["care"]:
            shown[name] = _text("care", value, lang)
        elif name in MONEY_PARAMS and isinstance(value, Decimal):
            shown[name] = format_money(value, lang)
        elif name in PERCENT_PARAMS and isinstance(value, (Decimal, int)):
            shown[name] = format_number(value, lang)
        else:
            shown[name] = value
    return shown


def render(section: str, key: str, lang: str, **params: Any) -> str:
    return _text(section, key, lang).format(**_params(params, lang))


def assumption_text(assumption: Assumption, lang: str) -> str:
    return render("assumptions", assumption.key, lang, **assumption.params)


def chart_label(part: str, complementary: str, lang: str) -> str:
    """Legend of one chart part; the complementary part is named after the cover (mutuelle or CSS)."""
    key = f"complementary_{complementary}" if part == "complementary" else part
    return _text("chart", key, lang)


def error_text(error: CalculatorInputError, lang: str) -> str:
    """What is wrong with the input, in ``lang`` (texts.yml ``errors``, filled in with the error's parameters)."""
    return render("errors", error.key, lang, **error.params)


def rule_value_text(version: RuleVersion, lang: str) -> str:
    if version.key.startswith(MONEY_RULES):
        return format_money(version.value, lang)
    if version.key.startswith(PERCENT_RULES):
        return format_number(version.value, lang) + (" %" if lang == "fr" else "%")
    return format_number(version.value, lang)


def explain(estimate: Estimate, lang: str = "en") -> str:
    """The calculation as CommonMark: base → rate → gross → deductions → statutory paid → forfaits →
    complementary → you pay (a numbered list); the assumptions and the rules with their dates and official
    sources (bullet lists). Shown on demand ("How this is calculated"), after the headline."""
    request = estimate.request
    lines = [render("steps", "title", lang, care=request.care, date=request.date)]
    # CommonMark: paragraphs and lists separated by blank lines, so every client renders the steps as a list.
    steps: list[str] = []
    if request.care == "emergency" and request.price is None:
        steps.append(render("steps", "price_none", lang))
    else:
        steps.append(render("steps", "price", lang, amount=estimate.price))
        if not estimate.forfaits and estimate.billed != estimate.price:
            steps.append(render("steps", "billable", lang, amount=estimate.billed))
    if estimate.base_reason in texts()["base_reason"]:
        reason = _text("base_reason", estimate.base_reason, lang)
    else:
        reason = _text("labels", estimate.base_reason, lang)
    steps.append(render("steps", "base", lang, amount=estimate.base, reason=reason))
    rate_reason = _text("rate_reason", estimate.rate_reason, lang)
    steps.append(render("steps", "rate", lang, rate=estimate.rate, reason=rate_reason))
    if estimate.full_rate_amount:
        at_rate = estimate.base - estimate.full_rate_amount
        steps.append(
            render(
                "steps",
                "gross_long_stay",
                lang,
                rate=estimate.rate,
                base=at_rate,
                full=estimate.full_rate_amount,
                amount=estimate.statutory_gross,
            )
        )
    else:
        steps.append(
            render("steps", "gross", lang, rate=estimate.rate, base=estimate.base, amount=estimate.statutory_gross)
        )
    for deduction in estimate.deductions:
        key = "deduction_coverable" if deduction.coverable else "deduction"
        label = _text("labels", deduction.reason, lang)
        steps.append(render("steps", key, lang, label=label, amount=deduction.amount))
    steps.append(render("steps", "statutory_paid", lang, amount=estimate.statutory_paid))
    for forfait in estimate.forfaits:
        if forfait.kind == "forfait_journalier":
            text = render("steps", "forfait_journalier", lang, count=forfait.count, unit=forfait.unit, due=forfait.due)
            if forfait.imputed:
                text += " " + render(
                    "steps", "forfait_journalier_imputed", lang, imputed=forfait.imputed, charged=forfait.charged
                )
            steps.append(text)
        else:
            steps.append(render("steps", "forfait_patient_urgences", lang, charged=forfait.charged))
    if estimate.forfaits:
        steps.append(render("steps", "billed", lang, amount=estimate.billed))
    if estimate.complementary == "mutuelle":
        steps.append(
            render(
                "steps",
                "complementary_mutuelle",
                lang,
                level=estimate.complementary_level,
                amount=estimate.complementary_paid,
            )
        )
    elif estimate.complementary == "css":
        steps.append(render("steps", "complementary_css", lang, amount=estimate.complementary_paid))
    else:
        steps.append(render("steps", "complementary_none", lang))
    if estimate.majoration:
        steps.append(render("steps", "majoration", lang, amount=estimate.majoration))
    if estimate.not_coverable_fees:
        steps.append(render("steps", "not_coverable", lang, amount=estimate.not_coverable_fees))
    steps.append(render("steps", "out_of_pocket", lang, amount=estimate.out_of_pocket))
    lines += [""] + [f"{i}. {step}" for i, step in enumerate(steps, start=1)]

    lines += ["", render("steps", "assumptions", lang), ""]
    lines += [f"- {assumption_text(a, lang)}" for a in estimate.assumptions]

    lines += ["", render("steps", "sources", lang, date=estimate.rules_version), ""]
    lines += [f"- {rule_line(estimate, version, lang)}" for version in estimate.sources]
    return "\n".join(lines)


def rule_line(estimate: Estimate, version: RuleVersion, lang: str) -> str:
    """One rule used, with its value, date, confidence and its official sources only.

    Broker, insurer, press and mirror sites stay in rules.yml as secondary evidence, never shown: a rule with no
    official source says so (and where to ask).
    """
    key = "source_line_at_least" if version.start_at_least else "source_line"
    official = [estimate.citations.get(s, s) for s in version.sources if s in estimate.official]
    if official:
        sources = render("steps", "official_sources", lang, citations="; ".join(official))
    else:
        sources = render("steps", "no_official_source", lang)
    return render(
        "steps",
        key,
        lang,
        label=_text("labels", version.key, lang),
        value=rule_value_text(version, lang),
        date=version.start,
        confidence=version.confidence,
        sources=sources,
    )


def headline(estimate: Estimate, lang: str) -> str:
    """One sentence: what the Sécurité sociale, the mutuelle (or the CSS) and the user pay."""
    key = {"mutuelle": "mutuelle", "css": "css"}.get(estimate.complementary, "none")
    return render(
        "headline",
        key,
        lang,
        statutory=estimate.statutory_paid,
        complementary=estimate.complementary_paid,
        you=estimate.out_of_pocket,
        billed=estimate.billed,
    )


#: Assumptions that change the result most, in the order they are named in the one-line summary.
MAIN_ASSUMPTIONS = (
    "default_price",
    "hors_parcours",
    "parcours_followed",
    "referred",
    "direct_access",
    "under_16_no_penalty",
    "sector_3",
    "medication_default_rate",
    "hospital_nights_default",
    "emergency_no_price",
    "ambulance_urgent",
)


def main_assumption(estimate: Estimate, lang: str) -> str:
    """One line on the assumptions that change the result most ("with a declared médecin traitant, …")."""
    clauses = []
    for key in MAIN_ASSUMPTIONS:
        for assumption in estimate.assumptions:
            if assumption.key == key and key in texts()["main_assumption"]:
                clause = render("main_assumption", key, lang, **assumption.params)
                if clause not in clauses:
                    clauses.append(clause)
    if not clauses:
        return render("steps", "see_details", lang)
    return render("steps", "assumed", lang, clauses="; ".join(clauses))


# ---------------------------------------------------------------------------- "why did I get €X back?"


def _refund_signature(result: Estimate) -> tuple[Any, ...]:
    """What makes two matching situations explain a refund differently (base, rate, deductions, majoration)."""
    return (result.base, result.rate, tuple((d.kind, d.amount) for d in result.deductions), result.majoration)


def refund_text(explanation: RefundExplanation, lang: str) -> str:
    """The explanation of a refund (``refund.explain_refund``) as CommonMark (a paragraph, a bullet list of the
    deductions, the sum), in ``lang``."""
    facts = explanation.facts
    amounts = {"paid": facts.paid, "refunded": facts.refunded, "amount": explanation.difference}
    if not explanation.explained:
        if explanation.reason == "refund_above_price":
            return render("refund", "above_price", lang, **amounts)
        if explanation.reason == "date_before_rules":
            return render("errors", "date_before_rules", lang, date=facts.date, first=explanation.first)
        if facts.care is not None and facts.care in texts()["care"]:
            care = _text("care", facts.care, lang)
        else:
            care = render("refund", "this_care", lang)
        checks = [render("refund", key, lang) for key in ("check_base", "check_earlier", "check_sector", "check_later")]
        return "\n".join(
            [render("refund", "unexplained", lang, care=care, **amounts), ""]
            + [f"- {check}" for check in checks]
            + ["", render("refund", "ask_cpam", lang)]
        )
    match = explanation.matches[0]
    result = match.estimate
    named = facts.care is not None
    care = result.request.care if named else render("refund", "this_care", lang)
    lines = [render("refund", "explained", lang, care=care, **amounts), ""]
    items = []
    if result.base < result.price:
        key = "base_not_coverable" if result.not_coverable_fees else "base_below_price"
        items.append(render("refund", key, lang, base=result.base, amount=result.price - result.base))
    rate_reason = _text("rate_reason", result.rate_reason, lang)
    items.append(
        render(
            "refund",
            "rate",
            lang,
            rate=result.rate,
            base=result.base,
            reason=rate_reason,
            amount=result.statutory_gross,
            ticket=result.base - result.statutory_gross - result.majoration,
        )
    )
    if result.majoration:
        items.append(render("refund", "majoration", lang, amount=result.majoration))
    for deduction in result.deductions:
        items.append(
            render("refund", "deduction", lang, label=_text("labels", deduction.reason, lang), amount=deduction.amount)
        )
    lines += [f"- {item}" for item in items]
    sum_text = " − ".join(
        [render("refund", "gross_term", lang, rate=result.rate, base=result.base)]
        + [render("refund", "money", lang, amount=d.amount) for d in result.deductions]
    )
    lines += ["", render("refund", "sum", lang, terms=sum_text, amount=result.statutory_paid)]
    situations = [] if named else [_text("care", result.request.care, lang)]
    situations += [render("refund_situation", _situation_key(k, v), lang) for k, v in match.departures.items()]
    if situations:
        situation = "; ".join(situations)
        lines += ["", render("refund", "situation", lang, situation=situation)]
    others = {_refund_signature(m.estimate) for m in explanation.matches[1:]} - {_refund_signature(result)}
    if others:
        lines += ["", render("refund", "other_situations", lang)]
    lines += ["", render("refund", "on_date", lang, date=result.request.date)]
    return "\n".join(lines)


def _situation_key(name: str, value: Any) -> str:
    if name == "sector":
        return {"2-optam": "sector_2_optam", "2": "sector_2", "3": "sector_3"}[value]
    if name == "age":
        return "minor"
    return {"medecin_traitant": "hors_parcours", "ald": "ald", "heavy_act": "heavy_act", "urgent": "urgent"}[name]
