"""A care and the patient's situation, validated: the input of ``estimate``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.calculator.money import CENT

DOCTOR_CARES = ("gp", "specialist", "gynecologist", "psychiatrist", "pediatrician", "teleconsultation")
CARES = DOCTOR_CARES + (
    "dentist",
    "physio",
    "nurse",
    "lab",
    "imaging",
    "medication",
    "hospital",
    "emergency",
    "ambulance",
    "psychologist",
    "crown",
    "hearing_aid",
    "glasses",
)
#: 100% Santé: the baskets of dental prostheses, what decides a crown's basket, and the classes of hearing aids
#: (I and II) and of glasses (A and B). The classes share one field, ``device_class``: each care has its own.
BASKETS = ("100-sante", "maitrise", "libre")
CROWN_MATERIALS = ("metal", "ceramic-metal", "other")
TEETH = ("incisor", "canine", "premolar-1", "premolar-2", "molar")
DEVICE_CLASSES = ("1", "2")
GLASSES_CLASSES = ("A", "B")
#: The classes of each care that has them (``device_class``).
CLASSES_OF_CARE = {"hearing_aid": DEVICE_CLASSES, "glasses": GLASSES_CLASSES}
#: Doctors whose consultation counts as a specialist's (hors-parcours base and dépassement autorisé).
SPECIALIST_CARES = ("specialist", "gynecologist", "psychiatrist", "pediatrician")
SECTORS = ("1", "2-optam", "2", "3")
MEDICATION_RATES = (100, 65, 30, 15)
MAX_PRICE = Decimal("1000000")
MAX_AGE = 120
MAX_NIGHTS = 3650
MAX_MUTUELLE_PCT = Decimal(1000)


class CalculatorInputError(ValueError):
    """Invalid input; ``key`` names a message in texts.yml ``errors`` (en and fr), ``params`` fill it in.

    The sentence is worded where the language is known: ``bot.calculator.explain.error_text(error, lang)``.
    ``str(error)`` is for logs and tracebacks: the key and the parameters.
    """

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        details = ", ".join(f"{name}={value!r}" for name, value in params.items())
        super().__init__(f"{key} ({details})" if details else key)


class MissingAnswerError(CalculatorInputError):
    """An answer the estimate cannot do without and that is not wrong, only not given yet (a crown's basket, a
    device's class): a conversation asks it next instead of refusing the answers it already has."""


# --------------------------------------------------------------------------------------------------------- request


def _to_price(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise CalculatorInputError("price_not_number", value=value)
    try:
        price = Decimal(str(value).strip().replace(",", ".")) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise CalculatorInputError("price_not_number", value=value) from None
    if not price.is_finite():
        raise CalculatorInputError("price_not_number", value=value)
    return price


@dataclass(frozen=True)
class EstimateRequest:
    """One care and the patient's situation. Validated on creation (CalculatorInputError)."""

    care: str
    price: Decimal | None = None
    date: dt.date = field(default_factory=dt.date.today)
    age: int = 30
    medecin_traitant: bool = True
    sector: str | None = None  # None: sector 1; only for doctors' consultations
    ald: bool = False  # the care is related to an exonerating long-term condition
    pregnancy_month: int | None = None  # None or 0: not pregnant
    css: bool = False
    mutuelle: Decimal | None = None  # level in % of the base, "RO inclus"; None: no mutuelle
    rate: int | None = None  # medication only: 100, 65, 30 or 15
    nights: int | None = None  # hospital only
    heavy_act: bool = False  # hospital only: an act of €120 or more during the stay
    urgent: bool = False  # ambulance only: urgent pre-hospital transport dispatched by the SAMU
    basket: str | None = None  # crown only: 100-sante, maitrise or libre (else decided by material and tooth)
    material: str | None = None  # crown only: metal, ceramic-metal or other
    tooth: str | None = None  # crown only: incisor, canine, premolar-1, premolar-2 or molar
    device_class: str | None = None  # hearing_aid: "1" (100% Santé) or "2"; glasses: "A" (100% Santé) or "B"
    frame_price: Decimal | None = None  # glasses only: the frame's part of the price (checked against the caps)

    def __post_init__(self) -> None:
        if self.care not in CARES:
            raise CalculatorInputError("unknown_care", care=self.care, choices=", ".join(CARES))
        price = _to_price(self.price)
        if price is not None:
            if price < 0:
                raise CalculatorInputError("price_negative", price=price)
            if price > MAX_PRICE:
                raise CalculatorInputError("price_too_high", price=price, max=MAX_PRICE)
            if price != price.quantize(CENT):
                raise CalculatorInputError("price_precision", price=price)
            object.__setattr__(self, "price", price.quantize(CENT))
        if not isinstance(self.date, dt.date):
            raise CalculatorInputError("date_invalid", value=self.date)
        if isinstance(self.age, bool) or not isinstance(self.age, int) or not 0 <= self.age <= MAX_AGE:
            raise CalculatorInputError("age_range", age=self.age, max=MAX_AGE)
        if self.pregnancy_month is not None:
            if not isinstance(self.pregnancy_month, int) or not 0 <= self.pregnancy_month <= 9:
                raise CalculatorInputError("pregnancy_month_range", month=self.pregnancy_month)
            if self.pregnancy_month == 0:
                object.__setattr__(self, "pregnancy_month", None)
        if self.sector is not None:
            if self.sector not in SECTORS:
                raise CalculatorInputError("sector_unknown", sector=self.sector, choices=", ".join(SECTORS))
            if self.care not in DOCTOR_CARES and self.sector != "1":
                raise CalculatorInputError("sector_not_doctor", care=self.care)
        if self.mutuelle is not None:
            try:
                level = _to_price(self.mutuelle)
            except CalculatorInputError:
                level = None
            if level is None or not 0 <= level <= MAX_MUTUELLE_PCT:
                raise CalculatorInputError("mutuelle_range", value=self.mutuelle, max=MAX_MUTUELLE_PCT)
            object.__setattr__(self, "mutuelle", level)
            if self.css:
                raise CalculatorInputError("css_with_mutuelle")
        if self.rate is not None:
            if self.care != "medication":
                raise CalculatorInputError("rate_not_medication", care=self.care)
            if self.rate not in MEDICATION_RATES:
                raise CalculatorInputError("rate_unknown", rate=self.rate)
        if self.nights is not None:
            if self.care != "hospital":
                raise CalculatorInputError("nights_not_hospital", care=self.care)
            if isinstance(self.nights, bool) or not isinstance(self.nights, int) or not 0 <= self.nights <= MAX_NIGHTS:
                raise CalculatorInputError("nights_range", nights=self.nights, max=MAX_NIGHTS)
        if self.heavy_act and self.care != "hospital":
            raise CalculatorInputError("heavy_act_not_hospital", care=self.care)
        if self.urgent and self.care != "ambulance":
            raise CalculatorInputError("urgent_not_ambulance", care=self.care)
        for name, choices, cares in (
            ("basket", BASKETS, ("crown",)),
            ("material", CROWN_MATERIALS, ("crown",)),
            ("tooth", TEETH, ("crown",)),
            ("device_class", CLASSES_OF_CARE.get(self.care, DEVICE_CLASSES), tuple(CLASSES_OF_CARE)),
        ):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if name == "device_class" and isinstance(value, str):
                value = value.strip().upper()  # glasses: "a" is class A
            object.__setattr__(self, name, value)
            if self.care not in cares:
                raise CalculatorInputError("option_not_for_care", name=name.replace("_", "-"), care=self.care)
            if value not in choices:
                raise CalculatorInputError(
                    "option_unknown", name=name.replace("_", "-"), value=value, choices=", ".join(choices)
                )
        if self.frame_price is not None:
            if self.care != "glasses":
                raise CalculatorInputError("option_not_for_care", name="frame-price", care=self.care)
            frame = _to_price(self.frame_price)
            if frame is None or frame < 0 or frame != frame.quantize(CENT):
                raise CalculatorInputError("price_not_number", value=self.frame_price)
            if self.price is not None and frame > self.price:
                raise CalculatorInputError("frame_above_price", frame=frame, price=self.price)
            object.__setattr__(self, "frame_price", frame.quantize(CENT))

    @property
    def effective_sector(self) -> str:
        return self.sector or "1"

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> EstimateRequest:
        """Build a request from loose values, as a form or the command line gives them.

        Keys are the field names; values may be strings ("yes"/"no", "2026-03-01", "100%", "none", "30,50").
        Missing or empty values take the defaults. Raises CalculatorInputError.
        """
        values = {name: value for name, value in fields.items() if value not in (None, "")}
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise CalculatorInputError("unknown_field", names=", ".join(unknown))
        for name in ("medecin_traitant", "ald", "css", "heavy_act", "urgent"):
            if name in values:
                values[name] = _yes_no(name, values[name])
        for name in ("age", "pregnancy_month", "rate", "nights"):
            if name in values:
                values[name] = _whole_number(name, values[name])
        if isinstance(values.get("date"), str):
            try:
                values["date"] = dt.date.fromisoformat(values["date"].strip())
            except ValueError:
                raise CalculatorInputError("date_invalid", value=values["date"]) from None
        if isinstance(values.get("mutuelle"), str):
            level = values["mutuelle"].strip().rstrip("%").strip()
            values["mutuelle"] = None if level.lower() in ("none", "no", "non", "aucune") else level
        if isinstance(values.get("sector"), int):
            values["sector"] = str(values["sector"])
        if "care" not in values:
            raise CalculatorInputError("unknown_care", care="", choices=", ".join(CARES))
        return cls(**values)


def _yes_no(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "y", "true", "1", "oui", "o"):
        return True
    if text in ("no", "n", "false", "0", "non"):
        return False
    raise CalculatorInputError("yes_no_invalid", name=name.replace("_", "-"), value=value)


def _whole_number(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise CalculatorInputError("number_invalid", name=name.replace("_", "-"), value=value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise CalculatorInputError("number_invalid", name=name.replace("_", "-"), value=value) from None
