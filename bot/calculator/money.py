"""Money in ``Decimal``, rounded to the cent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def money(value: Decimal) -> Decimal:
    """Round to the cent, half up (the usual rounding of French reimbursement statements)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def pct_of(rate: Decimal, amount: Decimal) -> Decimal:
    return money(amount * rate / HUNDRED)
