"""Which questions about a care change the estimate: the calculator says, so no other module keeps its own list.

A question matters when two answers to it give different amounts for the facts already known (the other unknowns
at their defaults): the médecin traitant for an adult at a doctor's, never at the dentist's or for a child under 16;
the price unless an official tariff exists for the care (``default_tariff``); the mutuelle unless nothing at all
is reimbursable. Everything comes from ``rules.yml`` through ``estimate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bot.calculator.estimate import crown_basket, default_tariff, estimate
from bot.calculator.request import CARES, CLASSES_OF_CARE, CalculatorInputError, EstimateRequest
from bot.calculator.rules import RuleDateError

#: The questions of a cost conversation, in the order they are asked (names of the calculator's fields, except
#: ``mutuelle``, which also stands for the CSS).
QUESTIONS = ("care", "price", "basket", "device_class", "medecin_traitant", "mutuelle")
#: Probe answers: two that differ for each question.
_PROBES = {"medecin_traitant": ("yes", "no"), "mutuelle": ("none", "100")}
#: A price to probe with when the user gave none and the care has no tariff (any positive amount does).
_PROBE_PRICE = Decimal("100")
#: What a probe assumes when the user has not said it yet (a crown's basket, a hearing aid's or glasses' class): the
#: questions that matter do not depend on it.
_PROBE_DEFAULTS = {"crown": {"basket": "libre"}, "hearing_aid": {"device_class": "2"}, "glasses": {"device_class": "B"}}


def _amounts(fields: Mapping[str, Any]) -> tuple[Decimal, Decimal, Decimal] | None:
    try:
        result = estimate(EstimateRequest.from_fields(fields))
    except (CalculatorInputError, RuleDateError):
        return None
    return result.statutory_paid, result.complementary_paid, result.out_of_pocket


def has_default_price(fields: Mapping[str, Any]) -> bool:
    """Whether the care has an official tariff the estimate uses when no price is given (sector 1 doctors, psy)."""
    try:
        request = EstimateRequest.from_fields({**fields, "price": None})
    except CalculatorInputError:
        return False
    if request.care == "emergency":
        return True  # the emergency estimate needs no price (the care itself is paid in full)
    if request.effective_sector != "1":
        return False
    try:
        return default_tariff(request.care, request.date, request.age) is not None
    except RuleDateError:
        return False


def relevant_questions(fields: Mapping[str, Any]) -> list[str]:
    """The questions (among ``QUESTIONS``) whose answer changes the estimate, given the fields known so far.

    ``fields`` are the calculator's loose fields (``EstimateRequest.from_fields``: care, price, age,
    medecin_traitant, mutuelle, css…); known answers are kept as given and the question is still listed when it
    matters. Without a care, every question may matter except the 100% Santé ones (basket: a crown's, unless its
    material and tooth decide it; device_class: a hearing aid's or glasses' class).
    """
    care = fields.get("care")
    if care not in CARES:
        return [q for q in QUESTIONS if q not in ("basket", "device_class")]
    known = {name: value for name, value in fields.items() if value not in (None, "")}
    questions = ["care"]
    if "price" in known or not has_default_price(known):
        questions.append("price")
    if care == "crown" and crown_basket(known.get("material"), known.get("tooth"))[0] is None:
        questions.append("basket")  # or the material and the tooth, which decide it
    if care in CLASSES_OF_CARE:
        questions.append("device_class")  # a hearing aid's class (I or II), glasses' class (A or B)
    probe = {**_PROBE_DEFAULTS.get(str(care), {}), **known}
    if "price" not in probe and not has_default_price(known):
        probe["price"] = _PROBE_PRICE
    for question in ("medecin_traitant", "mutuelle"):
        base = dict(probe)
        if question == "mutuelle":
            base.pop("css", None)  # the CSS is one answer to the mutuelle question
        answers = {_amounts({**base, question: answer}) for answer in _PROBES[question]}
        if len(answers) > 1:
            questions.append(question)
    return questions
