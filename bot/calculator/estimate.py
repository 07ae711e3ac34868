"""Estimate what the Sécurité sociale, the complementary cover and the patient pay for one care.

The formula is §2 of shared/reference/reimbursement-rules.md: the rate is applied to the base first, then the
participation forfaitaire and the franchises are deducted; a mutuelle "X% BR, RO inclus" tops the statutory gross up
to X% of the base, within what a contrat responsable may cover. Every number comes from ``rules.yml`` at the date of
care. The result holds numbers and keys (assumptions, reasons, errors), worded by ``explain`` from ``texts.yml``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.calculator.money import HUNDRED, ZERO, money, pct_of
from bot.calculator.request import (
    BASKETS,
    DOCTOR_CARES,
    SPECIALIST_CARES,
    CalculatorInputError,
    EstimateRequest,
    MissingAnswerError,
)
from bot.calculator.result import Assumption, Deduction, Estimate, Forfait
from bot.calculator.rules import RuleDateError, Rules, RuleVersion, load_rules

__all__ = ["crown_basket", "default_tariff", "estimate"]

# --------------------------------------------------------------------------------------------------------- engine


@dataclass
class _Part:
    """What one care type computes before the complementary cover is worked out."""

    price: Decimal
    base: Decimal
    rate: Decimal
    rate_reason: str
    base_reason: str
    statutory_gross: Decimal
    deductions: list[Deduction] = field(default_factory=list)
    forfaits: list[Forfait] = field(default_factory=list)
    majoration: Decimal = ZERO
    not_coverable_fees: Decimal = ZERO
    full_rate_amount: Decimal = ZERO  # long hospital stays: the part of the price paid at 100% from the 31st day
    level_cap: Decimal | None = None  # contrat-responsable ceiling on the complementary level for this care (in %)
    full_cover_up_to: Decimal | None = None  # 100% Santé: a contrat responsable / the CSS pays up to this price
    total_cover_cap: Decimal | None = None  # most the Sécurité sociale and a contrat responsable pay together


class _Context:
    """The request, the rules in force on its date, and what was used and assumed along the way."""

    def __init__(self, request: EstimateRequest, rules: Rules) -> None:
        self.request = request
        self.rules = rules
        self.used: dict[str, RuleVersion] = {}
        self.assumptions: list[Assumption] = []

    def rule(self, key: str) -> RuleVersion:
        try:
            version = self.rules.version(key, self.request.date)
        except RuleDateError as exc:
            raise CalculatorInputError("date_before_rules", date=self.request.date, first=exc.first) from None
        if key not in self.used:
            self.used[key] = version
            if version.note:
                self.assume("flagged_rule", rule=key, note=version.note, confidence=version.confidence)
        return version

    def value(self, key: str) -> Decimal:
        return self.rule(key).value

    def number(self, key: str) -> int:
        return int(self.rule(key).value)

    def assume(self, key: str, **params: Any) -> None:
        assumption = Assumption(key, params)
        if assumption not in self.assumptions:
            self.assumptions.append(assumption)

    # -- situations shared by several care types

    @property
    def maternity(self) -> bool:
        month = self.request.pregnancy_month
        return month is not None and month >= self.number("pregnancy.full_cover_from_month")

    @property
    def exonerated(self) -> bool:
        """100% of the base: care related to an ALD, or maternity from the 6th month."""
        return self.request.ald or self.maternity

    def exempt_from_pf_and_franchises(self) -> bool:
        request = self.request
        if self.maternity:
            self.assume("maternity_no_pf", month=request.pregnancy_month)
            return True
        if request.css:
            self.assume("css_no_pf")
            return True
        if request.age < self.number("age.pf_franchise_exempt_under"):
            self.assume("minor_no_pf", age=request.age, minimum=self.number("age.pf_franchise_exempt_under"))
            return True
        return False

    def exonerated_rate(self, normal_key: str) -> tuple[Decimal, str]:
        if self.maternity:
            self.assume("maternity_full_rate", month=self.request.pregnancy_month)
            return self.value("rate.exonerated"), "maternity"
        if self.request.ald:
            self.assume("ald_related")
            return self.value("rate.exonerated"), "ald"
        return self.value(normal_key), "normal"

    def flat_deduction(self, kind: str, rule_key: str, gross: Decimal, already: Decimal = ZERO) -> Deduction | None:
        """A PF or franchise, unless the patient is exempt; never more than what is left of the gross payment."""
        if gross <= 0 or self.exempt_from_pf_and_franchises():
            return None  # nothing reimbursed, nothing to deduct from
        amount = self.value(rule_key)
        taken = min(amount, max(ZERO, gross - already))
        if taken < amount:
            self.assume("deduction_carried_over", amount=amount - taken)
        self.assume(
            "annual_caps_not_reached",
            pf_cap=self.value("cap.pf_per_year"),
            franchise_cap=self.value("cap.franchises_per_year"),
        )
        return Deduction(kind=kind, amount=taken, reason=rule_key)


def _doctor_tariff_key(number: Callable[[str], int], care: str, age: int, sector: str, hors_parcours: bool) -> str:
    """The rule holding the base of a doctor's consultation: by sector, care, age and parcours.

    ``number(key)`` reads an age rule in force on the date of care.
    """
    if sector == "3":
        return "tariff.sector_3_gp" if care in ("gp", "teleconsultation") else "tariff.sector_3_specialist"
    if sector == "2":
        return "tariff.gp_non_optam" if care in ("gp", "teleconsultation") else "tariff.specialist_non_optam"
    if care == "gp":
        return "tariff.gp_under_6" if age < number("age.child_tariff_under") else "tariff.gp"
    if care == "teleconsultation":
        return "tariff.teleconsultation"
    if care == "specialist":
        return "tariff.specialist_hors_parcours" if hors_parcours else "tariff.specialist"
    if care == "gynecologist":
        return "tariff.gynecologist"
    if care == "psychiatrist":
        return "tariff.psychiatrist_hors_parcours" if hors_parcours else "tariff.psychiatrist"
    # pediatrician
    if hors_parcours:
        return "tariff.specialist_hors_parcours"
    if age < number("age.infant_tariff_under"):
        return "tariff.pediatrician_under_2"
    if age < number("age.child_tariff_under"):
        return "tariff.pediatrician_2_to_6"
    return "tariff.pediatrician_over_6"


def default_tariff(care: str, date: dt.date, age: int = 30, rules: Rules | None = None) -> RuleVersion | None:
    """The official tariff a care is billed at when the user gives no price, or None when there is none.

    Doctors' consultations (sector 1 / OPTAM, in the parcours: what the doctor bills whatever the parcours) and
    Mon soutien psy sessions have one; other care (dentist, lab, hospital…) has no single price.
    Raises RuleDateError for a date before the rules.
    """
    rules = rules or load_rules()
    if care in DOCTOR_CARES:
        key = _doctor_tariff_key(lambda k: int(rules.version(k, date).value), care, age, "1", False)
    elif care == "psychologist":
        key = "tariff.psychologist"
    else:
        return None
    return rules.version(key, date)


def _doctor(ctx: _Context) -> _Part:
    request = ctx.request
    care, age, sector = request.care, request.age, request.effective_sector
    price = request.price or ZERO
    parcours_age = ctx.number("age.parcours_from")
    hors_parcours = False
    if not request.medecin_traitant:
        if age < parcours_age:
            ctx.assume("under_16_no_penalty", age=age, minimum=parcours_age)
        elif ctx.maternity:
            pass  # everything is at 100% from the 6th month: the parcours rate does not matter
        elif request.css:
            # Only one (2015) source lists CSS holders among those without the hors-parcours penalty: flagged.
            ctx.assume("css_no_hors_parcours_penalty")
        elif request.ald:
            # ALD care at 100% without a médecin traitant: the sources do not say; the ALD rate is kept, flagged.
            ctx.assume("ald_hors_parcours_uncertain")
        else:
            hors_parcours = True
            ctx.assume("hors_parcours", age=age, minimum=parcours_age)
    elif care in ("gynecologist",) or (
        care == "psychiatrist" and parcours_age <= age <= ctx.number("age.psychiatrist_direct_access_to")
    ):
        ctx.assume("direct_access", care=care)
    elif care in ("specialist", "psychiatrist") or (care == "pediatrician" and age >= parcours_age):
        ctx.assume("referred", care=care)
    else:
        ctx.assume("parcours_followed")

    # The base: the tariff of the doctor's sector, age and parcours.
    key = _doctor_tariff_key(ctx.number, care, age, sector, hors_parcours)
    if sector == "3":
        ctx.assume("sector_3")
    elif sector == "2":
        if care not in ("gp", "specialist"):
            ctx.assume("non_optam_base_derived", care=care)
    elif care == "teleconsultation":
        ctx.assume("teleconsultation_gp")
    elif care == "gynecologist" and hors_parcours:
        ctx.assume("hors_parcours_base_unknown", care=care)
    tariff = ctx.value(key)
    base = min(price, tariff)
    if price < tariff:
        ctx.assume("price_below_tariff", tariff=tariff)

    rate, rate_reason = ctx.exonerated_rate("rate.doctor")
    majoration = ZERO
    if hors_parcours:
        rate, rate_reason = ctx.value("rate.doctor_hors_parcours"), "hors_parcours"
        majoration = pct_of(ctx.value("rate.doctor"), base) - pct_of(rate, base)
    gross = pct_of(rate, base)

    # Fees above the base: a hors-parcours dépassement autorisé (sector-1 specialists) is never coverable.
    above = price - base
    not_coverable = ZERO
    if above > 0 and request.css and sector != "3":
        # Contracted doctors may not bill excess fees to a CSS holder (§1e): only the base is billable. A sector-3
        # doctor is not bound by the convention, so the fees stay.
        ctx.assume("css_excess_forbidden", amount=above)
        price = base
    elif above > 0:
        if hors_parcours and sector == "1" and care in SPECIALIST_CARES:
            not_coverable = above
            ctx.assume("hors_parcours_da", amount=above)
            if care == "specialist" and price > ctx.value("tariff.specialist_hors_parcours_max_s1"):
                ctx.assume("above_da_maximum", maximum=ctx.value("tariff.specialist_hors_parcours_max_s1"))
        elif sector == "1":
            ctx.assume("sector_1_excess", amount=above)
        else:
            ctx.assume("excess_fees", amount=above)

    part = _Part(
        price=price,
        base=base,
        rate=rate,
        rate_reason=rate_reason,
        base_reason=key,
        statutory_gross=gross,
        majoration=majoration,
        not_coverable_fees=not_coverable,
    )
    pf = ctx.flat_deduction("participation_forfaitaire", "pf.amount", gross)
    if pf:
        part.deductions.append(pf)
    if sector == "2" and request.mutuelle is not None:
        # Contrat responsable (R871-2): non-OPTAM excess fees covered up to 100% of the base (200% in all), and at
        # least 20 points below the OPTAM level; the ticket modérateur itself is always covered.
        level = request.mutuelle
        part.level_cap = max(
            HUNDRED, min(level - ctx.value("mutuelle.non_optam_gap_pts"), ctx.value("mutuelle.non_optam_max_pct"))
        )
        if part.level_cap < level:
            ctx.assume("non_optam_cap", level=level, cap=part.level_cap)
    return part


def _price_as_base(ctx: _Context, rate_key: str, rate_reason_assumption: str) -> _Part:
    price = ctx.request.price or ZERO
    rate, reason = ctx.exonerated_rate(rate_key)
    ctx.assume(rate_reason_assumption)
    return _Part(
        price=price,
        base=price,
        rate=rate,
        rate_reason=reason,
        base_reason="price_is_base",
        statutory_gross=pct_of(rate, price),
    )


def _deduct(ctx: _Context, part: _Part, kind: str, rule_key: str) -> None:
    """Add the flat deduction ``kind`` (participation forfaitaire, franchise) to ``part`` when it applies."""
    deduction = ctx.flat_deduction(kind, rule_key, part.statutory_gross)
    if deduction:
        part.deductions.append(deduction)


def _dentist(ctx: _Context) -> _Part:
    return _price_as_base(ctx, "rate.dentist", "dentist_price_is_base")


def _auxiliary(ctx: _Context) -> _Part:
    part = _price_as_base(ctx, "rate.auxiliary", "auxiliary_one_act")
    _deduct(ctx, part, "franchise", "franchise.paramedical")
    return part


def _lab(ctx: _Context) -> _Part:
    part = _price_as_base(ctx, "rate.lab", "lab_price_is_base")
    _deduct(ctx, part, "participation_forfaitaire", "pf.amount")
    return part


def _imaging(ctx: _Context) -> _Part:
    part = _price_as_base(ctx, "rate.imaging", "imaging_price_is_base")
    if part.price >= ctx.value("heavy_act.threshold") and part.rate_reason == "normal":
        ctx.assume("outpatient_heavy_act_not_applied", threshold=ctx.value("heavy_act.threshold"))
    _deduct(ctx, part, "participation_forfaitaire", "pf.amount")
    return part


def _medication(ctx: _Context) -> _Part:
    request = ctx.request
    price = request.price or ZERO
    if request.rate is None:
        rate = ctx.value("rate.medication_default")
        ctx.assume("medication_default_rate", rate=int(rate))
    else:
        rate = Decimal(request.rate)
    reason = "medication"
    if ctx.exonerated:
        rate, reason = ctx.exonerated_rate("rate.medication_default")
    if rate == 15 and request.mutuelle is not None:
        ctx.assume("medication_15_not_required")
    ctx.assume("medication_one_box")
    part = _Part(
        price=price,
        base=price,
        rate=rate,
        rate_reason=reason,
        base_reason="price_is_base",
        statutory_gross=pct_of(rate, price),
    )
    _deduct(ctx, part, "franchise", "franchise.medication")
    return part


def _ambulance(ctx: _Context) -> _Part:
    if ctx.request.urgent:
        # SAMU-dispatched urgent pre-hospital transport: no patient share and no franchise.
        price = ctx.request.price or ZERO
        ctx.assume("ambulance_urgent")
        rate = ctx.value("rate.transport_urgent")
        return _Part(price, price, rate, "urgent_transport", "price_is_base", pct_of(rate, price))
    part = _price_as_base(ctx, "rate.transport", "ambulance_one_trip")
    _deduct(ctx, part, "franchise", "franchise.transport")
    return part


def _psychologist(ctx: _Context) -> _Part:
    request = ctx.request
    price = request.price or ZERO
    tariff = ctx.value("tariff.psychologist")
    if request.age < ctx.number("age.psychologist_from"):
        ctx.assume("psychologist_too_young", age=request.age, minimum=ctx.number("age.psychologist_from"))
        return _Part(price, ZERO, ZERO, "not_covered", "not_covered", ZERO, not_coverable_fees=price)
    base = min(price, tariff)
    rate, reason = ctx.exonerated_rate("rate.psychologist")
    ctx.assume("psychologist_sessions")
    above = price - base
    if above > 0:
        ctx.assume("psychologist_no_excess", tariff=tariff, amount=above)
    return _Part(
        price=price,
        base=base,
        rate=rate,
        rate_reason=reason,
        base_reason="tariff.psychologist",
        statutory_gross=pct_of(rate, base),
        not_coverable_fees=above,
    )


def _emergency(ctx: _Context) -> _Part:
    request = ctx.request
    price = request.price or ZERO
    if request.price is None:
        ctx.assume("emergency_no_price")
    ctx.assume("emergency_not_admitted")
    part = _Part(
        price=price,
        base=price,
        rate=ctx.value("rate.exonerated"),
        rate_reason="emergency",
        base_reason="price_is_base",
        statutory_gross=price,
    )
    if ctx.maternity:
        ctx.assume("maternity_no_fpu", month=request.pregnancy_month)
        return part
    if request.age == 0:
        ctx.assume("newborn_fpu_exempt")
    key = "forfait_urgences.reduced" if request.ald else "forfait_urgences.full"
    if request.ald:
        ctx.assume("ald_reduced_fpu")
    unit = ctx.value(key)
    part.forfaits.append(Forfait("forfait_patient_urgences", unit, 1, unit, ZERO, unit))
    return part


def _hospital(ctx: _Context) -> _Part:
    request = ctx.request
    price = request.price or ZERO
    nights = request.nights
    if nights is None:
        nights = 0
        ctx.assume("hospital_nights_default")
    ctx.assume("hospital_price_scope")
    ctx.assume("hospital_psychiatry_fj", unit=ctx.value("forfait_journalier.psychiatry"))
    days = nights + 1 if nights > 0 else 0  # the FJ is due for every day, the discharge day included
    if nights == 0:
        ctx.assume("day_stay_no_fj")
    fj = ctx.value("forfait_journalier.general")
    fj_exempt = False
    if ctx.maternity:
        ctx.assume("maternity_no_fj", month=request.pregnancy_month)
        fj_exempt = True
    elif request.css:
        ctx.assume("css_no_fj")
        fj_exempt = True
    if days and request.age == 0:
        ctx.assume("newborn_fj_exempt")

    part = _Part(price, price, ZERO, "", "price_is_base", ZERO)
    full_from = ctx.number("hospital.full_rate_from_day")
    if ctx.exonerated:
        part.rate, part.rate_reason = ctx.exonerated_rate("rate.hospital")
        part.statutory_gross = price
        if request.heavy_act:
            ctx.assume("heavy_act_exempt")
        imputable_days, ticket = 0, ZERO
    elif request.heavy_act:
        forfait = ctx.rule("heavy_act.forfait")
        for version in ctx.rules.entries["heavy_act.forfait"]:
            # Sources disagree on when this version starts: say which date was chosen for care in between.
            if version.alt_start and min(version.alt_start, version.start) <= request.date < max(
                version.alt_start, version.start
            ):
                ctx.assume(
                    "heavy_act_date_conflict",
                    date=request.date,
                    value=version.value,
                    chosen=version.start,
                    other=version.alt_start,
                )
        ctx.assume("heavy_act_threshold", threshold=ctx.value("heavy_act.threshold"))
        part.rate, part.rate_reason = ctx.value("rate.exonerated"), "heavy_act"
        part.statutory_gross = price
        part.deductions.append(
            Deduction("heavy_act_forfait", min(forfait.value, price), "heavy_act.forfait", coverable=True)
        )
        imputable_days, ticket = 0, ZERO
    else:
        part.rate, part.rate_reason = ctx.value("rate.hospital"), "hospital"
        if days >= full_from:
            # From the 31st day the stay is at 100%: the price is shared out evenly over the days.
            at_rate = money(price * (full_from - 1) / days)
            ctx.assume("long_stay_prorata", day=full_from)
            imputable_days = full_from - 1
        else:
            at_rate = price
            imputable_days = max(0, days - 1)  # every day but the discharge day
        gross_at_rate = pct_of(part.rate, at_rate)
        part.full_rate_amount = price - at_rate
        part.statutory_gross = gross_at_rate + part.full_rate_amount
        ticket = at_rate - gross_at_rate
    if days and not fj_exempt:
        due = fj * days
        imputed = ZERO
        if imputable_days:
            imputed = min(ticket, fj * imputable_days)
            ctx.assume("fj_imputed", imputed=imputed)
        part.forfaits.append(Forfait("forfait_journalier", fj, days, due, imputed, due - imputed))
    return part


def crown_basket(material: str | None, tooth: str | None) -> tuple[str | None, str | None]:
    """The 100% Santé basket of a crown and the rule holding its price cap, from its material and tooth.

    Only the combinations whose cap is in rules.yml are decided; others give (None, None) and the basket is asked.
    """
    if material == "metal":
        return "100-sante", "cap.crown_metal_100_sante"
    if material == "ceramic-metal" and tooth in ("incisor", "canine", "premolar-1"):
        return "100-sante", "cap.crown_ceramic_metal_front_100_sante"
    if material == "ceramic-metal" and tooth == "premolar-2":
        return "maitrise", "cap.crown_ceramic_metal_premolar2_maitrise"
    if material == "ceramic-metal" and tooth == "molar":
        return "libre", None
    return None, None


def _crown(ctx: _Context) -> _Part:
    request = ctx.request
    price = request.price or ZERO
    basket, cap_key = crown_basket(request.material, request.tooth)
    if request.basket is not None:
        if basket is not None and basket != request.basket:
            ctx.assume("crown_basket_conflict", given=request.basket, decided=basket)
        if basket != request.basket:
            cap_key = None
        basket = request.basket
    if basket is None:
        raise MissingAnswerError("crown_basket_needed", baskets=", ".join(BASKETS))
    tariff = ctx.value("tariff.dental_crown")
    base = min(price, tariff)
    rate, reason = ctx.exonerated_rate("rate.dentist")
    ctx.assume("prosthesis_base", tariff=tariff, rate=rate)
    part = _Part(
        price=price,
        base=base,
        rate=rate,
        rate_reason=reason,
        base_reason="tariff.dental_crown",
        statutory_gross=pct_of(rate, base),
    )
    cap = ctx.value(cap_key) if cap_key else None
    ctx.assume(f"crown_basket_{basket.replace('-', '_')}")
    if cap is None and basket != "libre":
        ctx.assume("crown_cap_unknown")
    if cap is not None and price > cap:
        ctx.assume("price_above_cap", cap=cap, amount=price - cap)
        part.not_coverable_fees = price - cap
    if basket == "100-sante":
        part.full_cover_up_to = cap if cap is not None else price
    elif request.css:
        ctx.assume("css_dental_limits")
    return part


def _hearing_aid(ctx: _Context) -> _Part:
    request = ctx.request
    price = request.price or ZERO
    if request.age < ctx.number("age.hearing_aid_adult_from"):
        minimum = ctx.number("age.hearing_aid_adult_from")
        raise CalculatorInputError("hearing_aid_under_20", age=request.age, minimum=minimum)
    if request.device_class is None:
        raise MissingAnswerError("device_class_needed")
    tariff = ctx.value("tariff.hearing_aid_adult")
    base = min(price, tariff)
    rate, reason = ctx.exonerated_rate("rate.hearing_aid")
    ctx.assume("device_base", tariff=tariff, rate=rate, years=ctx.number("hearing_aid.renewal_years"))
    part = _Part(price, base, rate, reason, "tariff.hearing_aid_adult", pct_of(rate, base))
    if request.device_class == "1":
        cap = ctx.value("cap.hearing_aid_class_1")
        ctx.assume("hearing_class_1")
        if price > cap:
            ctx.assume("price_above_cap", cap=cap, amount=price - cap)
            part.not_coverable_fees = price - cap
        part.full_cover_up_to = cap
    else:
        ctx.assume("hearing_class_2")
        part.total_cover_cap = ctx.value("cap.hearing_aid_class_2_total")
    return part


def _glasses(ctx: _Context) -> _Part:
    """One pair of glasses (a frame and two lenses) of class A (100% Santé) or B (free prices).

    The base is the frame's tariff of the class: the lenses' tariffs vary with the correction and are not in
    rules.yml, so their (small) statutory share is left out and said so. Class A: a contrat responsable or the CSS pays
    the rest, the frame within its price limit; class B: a contrat responsable pays within its ceilings.
    """
    request = ctx.request
    price = request.price or ZERO
    if request.device_class is None:
        raise MissingAnswerError("glasses_class_needed")
    glasses_class = request.device_class
    frame_key = "tariff.glasses_frame_class_a" if glasses_class == "A" else "tariff.glasses_frame_class_b"
    tariff = ctx.value(frame_key)
    frame = request.frame_price if request.frame_price is not None else price
    base = min(frame, tariff)
    rate, reason = ctx.exonerated_rate("rate.glasses")
    ctx.assume("glasses_base", tariff=tariff, rate=rate)
    ctx.assume("glasses_lens_base_unknown")
    adult_from = ctx.number("age.glasses_adult_from")
    if request.age >= adult_from:
        ctx.assume("glasses_renewal", years=ctx.number("glasses.renewal_years"), minimum=adult_from)
    else:
        ctx.assume("glasses_renewal_child", years=ctx.number("glasses.renewal_years_child"), minimum=adult_from)
    part = _Part(price, base, rate, reason, frame_key, pct_of(rate, base))
    if glasses_class == "A":
        cap = ctx.value("cap.glasses_frame_class_a")
        ctx.assume("glasses_class_a", maximum=cap)
        part.full_cover_up_to = price
        if request.frame_price is None:
            ctx.assume("glasses_frame_price_unknown", maximum=cap)
        elif request.frame_price > cap:
            # Not a class A frame: the 100% Santé cover stops at the frame's limit (the rest: class B rules).
            ctx.assume("glasses_frame_above_cap", maximum=cap, amount=request.frame_price - cap)
            part.full_cover_up_to = price - (request.frame_price - cap)
        if request.css:
            ctx.assume("css_glasses_class_a")
    else:
        total = ctx.value("cap.glasses_class_b_simple_total")
        frame_cap = ctx.value("cap.glasses_class_b_frame")
        ctx.assume(
            "glasses_class_b",
            total=total,
            frame=frame_cap,
            maximum=ctx.value("cap.glasses_class_b_highest_total"),
        )
        part.total_cover_cap = total
        if request.frame_price is not None and request.frame_price > frame_cap:
            ctx.assume("glasses_frame_above_ceiling", frame=frame_cap, amount=request.frame_price - frame_cap)
        if request.mutuelle is not None:
            ctx.assume("glasses_mutuelle_forfait")
        elif request.css:
            ctx.assume("css_glasses_class_b")
    return part


_CARE_FUNCTIONS = {
    **dict.fromkeys(DOCTOR_CARES, _doctor),
    "dentist": _dentist,
    "physio": _auxiliary,
    "nurse": _auxiliary,
    "lab": _lab,
    "imaging": _imaging,
    "medication": _medication,
    "ambulance": _ambulance,
    "psychologist": _psychologist,
    "emergency": _emergency,
    "hospital": _hospital,
    "crown": _crown,
    "hearing_aid": _hearing_aid,
    "glasses": _glasses,
}


def estimate(request: EstimateRequest, rules: Rules | None = None) -> Estimate:
    """Work out the statutory payment, the complementary payment and the out-of-pocket for ``request``."""
    rules = rules or load_rules()
    if request.date < rules.covers_from:
        raise CalculatorInputError("date_before_rules", date=request.date, first=rules.covers_from)
    default = None
    if request.price is None and request.care != "emergency":
        if request.effective_sector == "1":
            default = default_tariff(request.care, request.date, request.age, rules)
        if default is None:
            raise CalculatorInputError("price_required", care=request.care)
        request = dataclasses.replace(request, price=default.value)
    ctx = _Context(request, rules)
    if default is not None:
        ctx.rule(default.key)
        ctx.assume("default_price", amount=default.value, care=request.care, date=default.start)
    part = _CARE_FUNCTIONS[request.care](ctx)

    statutory_paid = part.statutory_gross - sum((d.amount for d in part.deductions), ZERO)
    forfaits_charged = sum((f.charged for f in part.forfaits), ZERO)
    billed = part.price + forfaits_charged

    # Complementary: "X% BR, RO inclus" tops the statutory share up to X% of the base, within the price less the
    # fees no contrat responsable may refund, and never the majoration, the PF or the franchises (§2 formula).
    if request.css:
        kind, level = "css", HUNDRED
        ctx.assume("css_cover")
    elif request.mutuelle is not None:
        kind, level = "mutuelle", request.mutuelle
        ctx.assume("mutuelle_ro_inclus", level=level)
        if level < HUNDRED:
            ctx.assume("mutuelle_below_100", level=level)
    else:
        kind, level = "none", None
        ctx.assume("no_complementary")
    complementary_paid = ZERO
    if level is not None:
        effective = min(level, part.level_cap) if part.level_cap is not None else level
        level = effective
        statutory_share = part.statutory_gross - sum((d.amount for d in part.deductions if d.coverable), ZERO)
        ceiling = min(part.price - part.not_coverable_fees, pct_of(effective, part.base))
        if part.total_cover_cap is not None:
            ceiling = min(ceiling, part.total_cover_cap)
        if part.base > 0:
            complementary_paid = max(ZERO, ceiling - statutory_share - part.majoration)
        if part.full_cover_up_to is not None:
            # 100% Santé: a contrat responsable and the CSS pay the whole price up to the basket's cap.
            complementary_paid = max(ZERO, min(part.price, part.full_cover_up_to) - statutory_share)
            ctx.assume("full_cover_100_sante", kind=kind)
        # Forfaits journaliers and the forfait patient urgences: a contrat responsable and the CSS cover them in full.
        complementary_paid += forfaits_charged
        if forfaits_charged:
            ctx.assume("forfaits_covered")
    if part.majoration:
        ctx.assume("majoration_not_covered", amount=part.majoration)
    out_of_pocket = billed - statutory_paid - complementary_paid
    excess = max(ZERO, part.price - part.base - part.not_coverable_fees)
    if request.date > rules.version_date:
        ctx.assume("rules_after_version", version=rules.version_date)

    return Estimate(
        request=request,
        price=request.price or ZERO,
        billed=money(billed),
        base=money(part.base),
        rate=part.rate,
        rate_reason=part.rate_reason,
        base_reason=part.base_reason,
        statutory_gross=money(part.statutory_gross),
        deductions=tuple(part.deductions),
        statutory_paid=money(statutory_paid),
        complementary=kind,
        complementary_level=level,
        complementary_paid=money(complementary_paid),
        out_of_pocket=money(out_of_pocket),
        forfaits=tuple(part.forfaits),
        majoration=money(part.majoration),
        not_coverable_fees=money(part.not_coverable_fees),
        excess_fees=money(excess),
        full_rate_amount=money(part.full_rate_amount),
        assumptions=tuple(ctx.assumptions),
        sources=tuple(ctx.used.values()),
        citations={s: rules.sources[s] for v in ctx.used.values() for s in v.sources},
        rules_version=rules.version_date,
        official=frozenset(s for v in ctx.used.values() for s in v.sources if rules.is_official(s)),
    )
