"""The cost conversation: what a user's message says about a care and its price, for the reimbursement calculator.

"How much will I get back for a €30 GP visit? I have a médecin traitant and no mutuelle" ->
``{"care": "gp", "price": "30", "medecin_traitant": "yes", "mutuelle": "none"}``. The words live in ``cost.yml``
(English and French, accents optional); the calculator (``bot.calculator``) does the arithmetic.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.calculator import CARES, CalculatorInputError, EstimateRequest, estimate
from bot.calculator.explain import format_money
from bot.enrolment import fold

_DATA = Path(__file__).with_name("cost.yml")

#: Cares for which the parcours de soins (a declared médecin traitant) changes the refund, from age 16.
PARCOURS_CARES = ("gp", "specialist", "teleconsultation")
PARCOURS_FROM_AGE = 16

_NUMBER = r"(-?\d{1,5}(?:[.,]\d{1,2})?)"
_PRICE = re.compile(rf"(?:€|eur\b|euros?\b)\s*{_NUMBER}|{_NUMBER}\s*(?:€|eur\b|euros?\b|e\b)")
_BARE_NUMBER = re.compile(rf"^\D*?{_NUMBER}\D*$")
_PERCENT = re.compile(r"(\d{2,3})\s*(?:%|pour ?cent|percent)")
_AGE = re.compile(
    r"(?:\bi am|\bi'm|\bim|\baged?|\bj'ai|\bage de|\bil a|\belle a|\bhe is|\bshe is)\s+(\d{1,3})\b"
    r"(?!\s*(?:[.,]\d|€|eur|euro|%|pour))|\b(\d{1,3})\s*(?:ans\b|years?\s*old\b|yo\b|-year-old\b|year-old\b)"
)


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    return yaml.load(_DATA.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # every word a string: no -> "no"


def _plain(text: str) -> str:
    """Lower case without accents, punctuation kept: "J’ai 70 ans" -> "j'ai 70 ans"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _contains(folded: str, phrases: list[str]) -> bool:
    return any(f" {fold(p)} " in folded for p in phrases)


def recognise_care(text: str | None) -> str | None:
    """The calculator's care type a text names ('dermatologue' -> 'specialist'), longest match first, or None."""
    if not text:
        return None
    folded = f" {fold(text)} "
    if folded.strip() in CARES:
        return folded.strip()
    for phrase in _words()["not_a_care"]:  # "médecin traitant" names no care
        folded = folded.replace(f" {fold(phrase)} ", " ")
    best: tuple[int, str] | None = None
    for care, phrases in _words()["cares"].items():
        for phrase in phrases:
            needle = f" {fold(phrase)} "
            if needle in folded and (best is None or len(needle) > best[0]):
                best = (len(needle), care)
    return best[1] if best else None


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
    match = _AGE.search(_plain(text))
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


def extract_cost_fields(text: str | None, requested: str | None = None) -> dict[str, str]:
    """Every field of the cost conversation the text gives; ``requested`` is the question the user answers."""
    fields: dict[str, Any] = {
        "care": recognise_care(text),
        "price": parse_price(text, bare_number=requested == "price"),
        "mutuelle": parse_mutuelle(text, answering=requested == "mutuelle"),
        "medecin_traitant": parse_medecin_traitant(text, answering=requested == "medecin_traitant"),
        "age": parse_age(text, bare_number=requested == "age"),
    }
    if fields["age"] is not None and fields["price"] is not None and Decimal(fields["price"]) == fields["age"]:
        fields["age"] = None  # "50 €" is a price, not an age
    return {name: str(value) for name, value in fields.items() if value is not None}


def needs_medecin_traitant(care: str | None, age: str | int | None) -> bool:
    """Whether the answer depends on a declared médecin traitant (adult patient, doctor's consultation)."""
    if care not in PARCOURS_CARES:
        return False
    try:
        return age in (None, "") or int(age) >= PARCOURS_FROM_AGE
    except (TypeError, ValueError):
        return True


def calculator_fields(slots: dict[str, Any]) -> dict[str, Any]:
    """The calculator's fields from the conversation's slots (a 'css' answer is the CSS, not a mutuelle level)."""
    fields = {name: slots.get(name) for name in ("care", "price", "medecin_traitant", "age")}
    mutuelle = slots.get("mutuelle")
    if mutuelle == "css":
        fields["css"] = "yes"
    else:
        fields["mutuelle"] = mutuelle
    if not needs_medecin_traitant(fields["care"], fields["age"]):
        fields.pop("medecin_traitant")
    return fields


def check_fields(slots: dict[str, Any], lang: str) -> str | None:
    """None if the calculator accepts these fields, else its message (in ``lang``) saying what is wrong."""
    try:
        EstimateRequest.from_fields(calculator_fields(slots))
    except CalculatorInputError as error:
        return error.message(lang)
    return None


def cost_answer(slots: dict[str, Any], lang: str) -> tuple[str, dict[str, Any]]:
    """The explanation text and the widget's ``cost_breakdown`` payload. Raises CalculatorInputError."""
    result = estimate(EstimateRequest.from_fields(calculator_fields(slots))).to_dict(lang)
    parts = [
        {"part": p["part"], "label": p["label"], "amount": p["amount"], "percent": p["percent"]}
        for p in result["chart"]
    ]
    you = next(p["amount"] for p in parts if p["part"] == "you")
    summary = _words()["summary"][lang].format(
        you=format_money(Decimal(str(you)), lang), billed=format_money(Decimal(str(result["billed"])), lang)
    )
    payload = {
        "type": "cost_breakdown",
        "lang": lang,
        "care": result["care"],
        "date": result["date"],
        "currency": "EUR",
        "billed": result["billed"],
        "parts": parts,
        "text": summary,
    }
    return result["explanation"], payload
