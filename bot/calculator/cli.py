"""``python -m bot calc``: estimate a reimbursement from the command line (people and integrators)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.calculator.estimate import estimate
from bot.calculator.explain import error_text, explain, refund_text
from bot.calculator.refund import RefundFacts, explain_refund
from bot.calculator.report import estimate_json
from bot.calculator.request import (
    BASKETS,
    CARES,
    CROWN_MATERIALS,
    DEVICE_CLASSES,
    GLASSES_CLASSES,
    MEDICATION_RATES,
    SECTORS,
    TEETH,
    CalculatorInputError,
    EstimateRequest,
)

YES_NO = ("yes", "no")


class _UsageError(Exception):
    """An argparse error, turned into exit status 2 without leaving main()."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}, expected YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m bot calc",
        description="Estimate what the Sécurité sociale, the mutuelle (or the CSS) and you pay for one care. "
        "Without --price, doctors' consultations and Mon soutien psy use the official tariff. 100% Santé: "
        "crowns (--basket, or --material and --tooth), hearing aids and glasses (--device-class).",
        epilog="Why did I get this back? python -m bot calc explain --paid 30 --refunded 19 --care gp "
        "(python -m bot calc explain --help).",
    )
    parser.add_argument("--care", required=True, choices=CARES, metavar="CARE", help=", ".join(CARES))
    parser.add_argument("--price", metavar="EUR", help="price charged in euros (optional for emergency)")
    parser.add_argument("--date", type=_date, help="date of care, YYYY-MM-DD (default: today)")
    parser.add_argument("--age", type=int, default=30, metavar="N", help="age in years (default: 30)")
    parser.add_argument("--medecin-traitant", choices=YES_NO, default="yes", help="declared and followed (default)")
    parser.add_argument("--sector", choices=SECTORS, help="doctor's sector (default: 1)")
    parser.add_argument("--ald", choices=YES_NO, default="no", help="care related to an ALD (default: no)")
    parser.add_argument("--pregnancy-month", type=int, metavar="N", help="month of pregnancy, 1-9")
    parser.add_argument("--css", choices=YES_NO, default="no", help="Complémentaire santé solidaire (default: no)")
    parser.add_argument("--mutuelle", default="none", metavar="PCT|none", help="level in %% of the base, RO inclus")
    parser.add_argument("--rate", type=int, choices=MEDICATION_RATES, help="medication rate: 100, 65, 30 or 15")
    parser.add_argument("--nights", type=int, metavar="N", help="hospital: nights spent")
    parser.add_argument("--heavy-act", choices=YES_NO, default="no", help="hospital: an act of €120 or more")
    parser.add_argument("--basket", choices=BASKETS, help="crown: 100%% Santé basket (100-sante, maitrise, libre)")
    parser.add_argument("--material", choices=CROWN_MATERIALS, help="crown: metal, ceramic-metal or other")
    parser.add_argument("--tooth", choices=TEETH, help="crown: incisor, canine, premolar-1, premolar-2 or molar")
    parser.add_argument(
        "--device-class",
        type=str.upper,
        choices=DEVICE_CLASSES + GLASSES_CLASSES,
        help="hearing_aid: class 1 (100%% Santé) or 2; glasses: class A (100%% Santé) or B",
    )
    parser.add_argument("--frame-price", metavar="EUR", help="glasses: the frame's part of the price (optional)")
    parser.add_argument(
        "--urgent", choices=YES_NO, default="no", help="ambulance: urgent transport sent by the SAMU (default: no)"
    )
    parser.add_argument("--lang", choices=("en", "fr"), default="en", help="language of the output (default: en)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def request_from_args(args: argparse.Namespace) -> EstimateRequest:
    fields = {
        name: getattr(args, name)
        for name in (
            "care",
            "price",
            "date",
            "age",
            "medecin_traitant",
            "sector",
            "ald",
            "pregnancy_month",
            "css",
            "mutuelle",
            "rate",
            "nights",
            "heavy_act",
            "urgent",
            "basket",
            "material",
            "tooth",
            "device_class",
            "frame_price",
        )
    }
    return EstimateRequest.from_fields(fields)


def _dump(data: dict[str, Any]) -> str:
    """JSON with euros printed with exactly two decimals (json cannot print a Decimal as a number by itself)."""

    def mark(value: Any) -> str:
        if isinstance(value, Decimal):
            return f"@@{value:.2f}@@"
        raise TypeError(f"not JSON serialisable: {value!r}")

    text = json.dumps(data, ensure_ascii=False, indent=2, default=mark)
    return re.sub(r'"@@(-?\d+\.\d\d)@@"', r"\1", text)


def _requested_language(argv: list[str]) -> str:
    """The --lang asked for, even when the rest of the command line does not parse (to word the error)."""
    for i, arg in enumerate(argv):
        if arg == "--lang=fr" or (arg == "--lang" and argv[i + 1 : i + 2] == ["fr"]):
            return "fr"
    return "en"


def build_explain_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m bot calc explain",
        description="Why did I get this back? Find the deductions between what you paid and what the Sécurité "
        "sociale refunded (rate, participation forfaitaire, franchise, hors parcours, excess fees, forfait on "
        "heavy acts), or say what to check.",
    )
    parser.add_argument("--paid", required=True, metavar="EUR", help="what you paid (the price charged)")
    parser.add_argument("--refunded", required=True, metavar="EUR", help="what the Sécurité sociale refunded")
    parser.add_argument("--care", choices=CARES, metavar="CARE", help="the care, if known: " + ", ".join(CARES))
    parser.add_argument("--date", type=_date, help="date of care, YYYY-MM-DD (default: today)")
    parser.add_argument("--age", type=int, metavar="N", help="age in years, if known")
    parser.add_argument("--lang", choices=("en", "fr"), default="en", help="language of the output (default: en)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise CalculatorInputError("price_not_number", value=text) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise CalculatorInputError("price_not_number", value=text)
    return value


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    """The parsed options, or the exit status: 2 after a usage error (said in the requested language), 0 after
    --help."""
    try:
        return parser.parse_args(argv)
    except _UsageError as exc:
        print(parser.format_usage().rstrip(), file=sys.stderr)
        print(error_text(CalculatorInputError("usage", message=str(exc)), _requested_language(argv)), file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)


def explain_main(argv: list[str]) -> int:
    """``python -m bot calc explain --paid 30 --refunded 19 [--care gp] [--date D] [--age N] [--lang fr] [--json]``."""
    parser = build_explain_parser()
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    try:
        facts = RefundFacts(
            paid=_amount(args.paid),
            refunded=_amount(args.refunded),
            care=args.care,
            date=args.date,
            age=args.age,
        )
    except CalculatorInputError as exc:
        print(error_text(exc, args.lang), file=sys.stderr)
        return 2
    explanation = explain_refund(facts)
    text = refund_text(explanation, args.lang)
    if args.json:
        match = explanation.matches[0].estimate if explanation.matches else None
        data: dict[str, Any] = {
            "paid": facts.paid,
            "refunded": facts.refunded,
            "difference": explanation.difference,
            "explained": explanation.explained,
            "reason": explanation.reason,
            "situation": dict(explanation.matches[0].departures) if explanation.matches else None,
            "estimate": estimate_json(match) if match else None,
            "lang": args.lang,
            "explanation": text,
        }
        print(_dump(data))
    else:
        print(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["explain"]:
        return explain_main(argv[1:])
    parser = build_parser()
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    try:
        result = estimate(request_from_args(args))
    except CalculatorInputError as exc:
        print(error_text(exc, args.lang), file=sys.stderr)
        return 2
    if args.json:
        print(_dump(estimate_json(result, args.lang)))
    else:
        print(explain(result, args.lang))
    return 0
