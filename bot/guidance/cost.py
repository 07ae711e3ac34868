"""The cost conversation: what a user's message says about a care and its price, for the reimbursement calculator.

"How much will I get back for a €30 GP visit? I have a médecin traitant and no mutuelle" ->
``{"care": "gp", "price": "30", "medecin_traitant": "yes", "mutuelle": "none"}``. The words live in ``cost.yml``
(English and French, accents optional); the calculator (``bot.calculator``) does the arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.calculator import CARES, CalculatorInputError, EstimateRequest, MissingAnswerError, estimate
from bot.calculator.explain import (
    chart_label,
    error_text,
    explain,
    format_money,
    headline,
    main_assumption,
    refund_text,
)
from bot.calculator.questions import relevant_questions
from bot.calculator.refund import RefundFacts, explain_refund
from bot.calculator.request import CLASSES_OF_CARE
from bot.text import fold, longest_match

_DATA = Path(__file__).with_name("cost.yml")

_NUMBER = r"(-?\d{1,5}(?:[.,]\d{1,2})?)"
_PRICE = re.compile(rf"(?:€|eur\b|euros?\b)\s*{_NUMBER}|{_NUMBER}\s*(?:€|eur\b|euros?\b|e\b)")
_BARE_NUMBER = re.compile(rf"^\D*?{_NUMBER}\D*$")
_PERCENT = re.compile(r"(\d{2,3})\s*(?:%|pour ?cent|percent)")
_AGE = re.compile(
    r"(?:\bi am|\bi'm|\bim|\baged?|\bj'ai|\bage de|\bil a|\belle a|\bhe is|\bshe is"
    r"|\b(?:daughter|son|child|kid|baby|boy|girl|fille|fils|enfant|bebe) (?:is|a))\s+(\d{1,3})\b"
    r"(?!\s*(?:months?|mois|weeks?|semaines?))"
    r"(?!\s*(?:[.,]\d|€|eur|euro|%|pour))|\b(\d{1,3})\s*(?:ans\b|years?\s*old\b|yo\b|-year-old\b|year-old\b)"
)


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    return yaml.load(_DATA.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # every word a string: no -> "no"


def _contains(folded: str, phrases: list[str]) -> bool:
    return any(f" {fold(p)} " in folded for p in phrases)


def recognise_care(text: str | None) -> str | None:
    """The calculator's care type a text names ('dermatologue' -> 'specialist'), longest match first, or None."""
    if not text:
        return None
    if fold(text) in CARES:
        return fold(text)
    # "médecin traitant" names no care
    return longest_match(text, _words()["cares"], ignore=_words()["not_a_care"])


def parse_price(text: str | None, bare_number: bool = False) -> str | None:
    """The price in euros a text gives ('€30', '50 euros', '30,50 €'; a bare '30' only if ``bare_number``)."""
    if not text:
        return None
    cleaned = text.replace("\u00a0", " ").lower()
    match = _PRICE.search(cleaned)
    raw = next((g for g in match.groups() if g), None) if match else None
    if raw is None and bare_number:
        bare = _BARE_NUMBER.match(cleaned)
        raw = bare.group(1) if bare else None
    if raw is None:
        return None
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None
    return str(value) if value > 0 else None


def parse_age(text: str | None, bare_number: bool = False) -> int | None:
    if not text:
        return None
    match = _AGE.search(fold(text, keep_punctuation=True))
    if match:
        return int(next(g for g in match.groups() if g))
    if bare_number:
        bare = re.fullmatch(r"\D*?(\d{1,3})\D*", text)
        return int(bare.group(1)) if bare else None
    return None


def parse_mutuelle(text: str | None, answering: bool = False) -> str | None:
    """'none', a level like '100' (% of the base), 'css', or None when the text says nothing about it."""
    if not text:
        return None
    folded = f" {fold(text)} "
    words = _words()["mutuelle"]
    if _contains(folded, words["css"]):
        return "css"
    if _contains(folded, words["none"]) or (answering and _contains(folded, words["none_short"])):
        return "none"
    percent = _PERCENT.search(text.lower())
    if percent and (answering or _contains(folded, words["topic"])):
        return percent.group(1)
    if answering and re.fullmatch(r"\s*(\d{2,3})\s*", text):
        return text.strip()
    if _contains(folded, words["some"]) or (answering and _contains(folded, _words()["affirmative"])):
        return "100"  # "I have a mutuelle": the most common level, said as an assumption in the reply
    return None


def parse_medecin_traitant(text: str | None, answering: bool = False) -> str | None:
    if not text:
        return None
    folded = f" {fold(text)} "
    words = _words()["medecin_traitant"]
    if _contains(folded, words["not_declared"]):
        return "no"
    if _contains(folded, words["declared"]):
        return "yes"
    if answering:
        if _contains(folded, _words()["negative"]):
            return "no"
        if _contains(folded, _words()["affirmative"]):
            return "yes"
    return None


def _choice(text: str | None, section: str) -> str | None:
    """The key of ``cost.yml`` ``section`` whose words the text says (longest match), or None."""
    return longest_match(text, _words()[section])


def parse_basket(text: str | None) -> str | None:
    """A crown's 100% Santé basket: '100-sante', 'maitrise' or 'libre' ("tarif maîtrisé", "100% Santé"...)."""
    return _choice(text, "basket")


_CLASS_PAYLOAD = re.compile(r'"device_class"\s*:\s*"?([0-9A-Za-z]+)"?')


def parse_device_class(text: str | None, care: str | None = None) -> str | None:
    """The class of a hearing aid ('1': class I, 100% Santé, or '2') or of glasses ('A': class A, 100% Santé, or
    'B'), for ``care``; without a care, the class either names, unless they disagree ("100% Santé" is class I for a
    hearing aid and class A for glasses)."""
    if not text:
        return None
    payload = _CLASS_PAYLOAD.search(text)  # a button's payload: /inform{"device_class": "B"}
    if payload:
        text = payload.group(1)
    words = _words()["device_class"]
    cares = [care] if care in words else list(words)
    found: set[str | None] = set()
    for name in cares:
        classes = words[name]
        exact = text.strip().upper()
        found.add(exact if exact in classes else longest_match(text, classes))
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def extract_cost_fields(text: str | None, requested: str | None = None) -> dict[str, str]:
    """Every field of the cost conversation the text gives; ``requested`` is the question the user answers.

    Keys among care, price, mutuelle, medecin_traitant, age, and for 100% Santé equipment basket (crowns) and
    device_class (hearing aids, glasses), only when the text names them."""
    care = recognise_care(text)
    fields: dict[str, Any] = {
        "care": care,
        "price": parse_price(text, bare_number=requested == "price"),
        "mutuelle": parse_mutuelle(text, answering=requested == "mutuelle"),
        "medecin_traitant": parse_medecin_traitant(text, answering=requested == "medecin_traitant"),
        "age": parse_age(text, bare_number=requested == "age"),
        "basket": parse_basket(text) if care == "crown" or requested == "basket" else None,
        "device_class": (
            parse_device_class(text, care) if care in CLASSES_OF_CARE or requested == "device_class" else None
        ),
    }
    if fields["age"] is not None and fields["price"] is not None and Decimal(fields["price"]) == fields["age"]:
        fields["age"] = None  # "50 €" is a price, not an age
    return {name: str(value) for name, value in fields.items() if value is not None}


def required_questions(fields: dict[str, Any]) -> list[str]:
    """The cost form's slots (care, price, basket, device_class, medecin_traitant, mutuelle) whose answer changes the
    estimate, answered or not, in the order they are asked (basket: a crown's, device_class: a hearing aid's or
    glasses').

    The calculator decides (``bot.calculator.questions``): the médecin traitant for an adult at any doctor's
    (psychiatrist, gynaecologist and paediatrician included), never for a child under 16 or at the dentist's; the
    price only when the care has no official tariff (``default_tariff``)."""
    return relevant_questions(calculator_fields(fields))


def missing_questions(fields: dict[str, Any]) -> list[str]:
    """Slot names among care, price, basket, device_class, medecin_traitant, mutuelle still to ask, in order: those
    that change the
    estimate and have no value in ``fields`` (the conversation's slots: care, price, medecin_traitant, mutuelle,
    age). The price is never missing when a default tariff exists. Stable interface for the routing (issue 14)."""
    return [name for name in required_questions(fields) if fields.get(name) in (None, "")]


def calculator_fields(slots: dict[str, Any]) -> dict[str, Any]:
    """The calculator's fields from the conversation's slots (a 'css' answer is the CSS, not a mutuelle level).

    Every answer the user gave is passed on, the médecin traitant included: the calculator knows where it matters.
    """
    fields = {name: slots.get(name) for name in ("care", "price", "medecin_traitant", "age")}
    for name, cares in (("basket", ("crown",)), ("device_class", tuple(CLASSES_OF_CARE))):
        if slots.get(name) not in (None, "") and fields["care"] in cares:
            fields[name] = slots[name]
    mutuelle = slots.get("mutuelle")
    if mutuelle == "css":
        fields["css"] = "yes"
    else:
        fields["mutuelle"] = mutuelle
    return fields


def check_fields(slots: dict[str, Any], lang: str) -> str | None:
    """None if the calculator accepts these fields, else its message (in ``lang``) saying what is wrong. An answer
    the form still has to ask (the calculator's ``MissingAnswerError``: a crown's basket, a device's class) is not
    wrong: "€340" for glasses is a good price before their class is known."""
    try:
        estimate(EstimateRequest.from_fields(calculator_fields(slots)))
    except MissingAnswerError:
        return None
    except CalculatorInputError as error:
        return error_text(error, lang)
    return None


@dataclass(frozen=True)
class CostAnswer:
    """What the user reads, in order: ``headline`` (one sentence, the three amounts), the widget's ``payload``
    (``cost_breakdown``: chart parts, headline, assumption, and the CommonMark ``details``), ``assumption`` (one
    line on the assumption that changes the result most) and ``details`` (steps, assumptions, rules with their dates
    and official sources; CommonMark), shown on demand."""

    headline: str
    payload: dict[str, Any]
    assumption: str
    details: str
    fields: dict[str, Any]


def build_cost_answer(slots: dict[str, Any], lang: str) -> CostAnswer:
    """The whole cost answer for the conversation's slots, in ``lang``. Raises CalculatorInputError."""
    fields = calculator_fields(slots)
    result = estimate(EstimateRequest.from_fields(fields))
    parts = [  # euros stay Decimal until formatted; the payload's numbers are JSON numbers
        {
            "part": p.part,
            "label": chart_label(p.part, result.complementary, lang),
            "amount": float(p.amount),
            "percent": float(p.percent),
            "formatted": format_money(p.amount, lang),
        }
        for p in result.chart_parts()
    ]
    summary = _words()["summary"][lang].format(
        you=format_money(result.out_of_pocket, lang), billed=format_money(result.billed, lang)
    )
    top = headline(result, lang)
    assumption = main_assumption(result, lang)
    details = explain(result, lang)
    payload = {
        "type": "cost_breakdown",
        "lang": lang,
        "care": result.request.care,
        "date": result.request.date.isoformat(),
        "currency": "EUR",
        "billed": float(result.billed),
        "price": float(result.price),
        "parts": parts,
        "text": summary,
        "headline": top,
        "assumption": assumption,
        "details": details,
    }
    return CostAnswer(top, payload, assumption, details, fields)


# --------------------------------------------------------------------------------------------- price buttons


def price_options(care: str | None) -> tuple[str, str, str]:
    """Three amounts (euros, as text) for the price question's buttons that fit the care asked (cost.yml)."""
    options = _words()["price_buttons"]
    return tuple(options.get(care or "", options["default"]))[:3]


# ------------------------------------------------------------------------- "why did I get €X back for €Y?"

_MONEY = re.compile(rf"(?:€\s*{_NUMBER}|{_NUMBER}\s*(?:€|eur\b|euros?\b))")
_CLAUSE = re.compile(r"\s*(?:,(?!\d)|;|\band\b|\bbut\b|\bet\b|\bmais\b|\bthen\b|\bpuis\b)\s*")


def _amounts_in(text: str) -> list[Decimal]:
    values = []
    for match in _MONEY.finditer(text):
        raw = next(g for g in match.groups() if g)
        try:
            values.append(Decimal(raw.replace(",", ".")))
        except InvalidOperation:
            continue
    return values


def parse_refund_question(text: str | None) -> RefundFacts | None:
    """The facts of a "why did I get this back?" message, or None when it is not one.

    "My GP charged €30 and ameli paid me €19" -> ``RefundFacts(paid=30, refunded=19, care="gp")``; also "why did I
    get €19 back for €30?", "j'ai payé 30 € chez le généraliste et la sécu m'a remboursé 19 €". Needs two amounts in
    euros and words of a refund (cost.yml ``refund``); the care and the age are read when given. Stable interface
    for the routing (issue 14).
    """
    if not text:
        return None
    words = _words()["refund"]
    plain = text.replace("\u00a0", " ")
    folded = f" {fold(plain)} "
    if not _contains(folded, words["refunded"]):
        return None
    paid: Decimal | None = None
    refunded: Decimal | None = None
    in_euros = bool(_amounts_in(plain.lower()))
    for clause in _CLAUSE.split(plain.lower()):
        amounts = _amounts_in(clause)
        if not amounts and in_euros:
            # "charged 30 euros and ameli paid me 19": once one amount is in euros, a bare number is one too.
            amounts = [
                Decimal(n.replace(",", ".")) for n in re.findall(r"(?<![\w.,])\d+(?:[.,]\d{1,2})?(?![\w.,])", clause)
            ]
        if not amounts:
            continue
        clause_folded = f" {fold(clause)} "
        if len(amounts) >= 2:
            # "€19 back for €30" / "19 € remboursés sur 30 €": the refund first, then what was paid.
            first, second = amounts[0], amounts[1]
            refunded, paid = (first, second) if first <= second else (second, first)
            break
        if _contains(clause_folded, words["refunded"]):
            refunded = amounts[0] if refunded is None else refunded
        else:
            paid = amounts[0] if paid is None else paid
    if paid is None or refunded is None:
        return None
    age = parse_age(text)
    return RefundFacts(paid=paid, refunded=refunded, care=recognise_care(text), age=age)


def explain_refund_text(facts: RefundFacts, lang: str) -> str:
    """The explanation of a refund in ``lang`` (CommonMark): the deductions found, or what to check."""
    return refund_text(explain_refund(facts), lang)
