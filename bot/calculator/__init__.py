"""Reimbursement calculator: what the Sécurité sociale, the mutuelle (or the CSS) and the patient pay for one care.

Rules are data (``rules.yml``: dated, sourced), money is ``Decimal`` rounded to the cent, and every sentence comes
from ``texts.yml`` in English and French. Nothing here imports Rasa.
"""

from bot.calculator.estimate import (
    CARES,
    CalculatorInputError,
    Estimate,
    EstimateRequest,
    estimate,
)
from bot.calculator.explain import explain
from bot.calculator.rules import Rules, load_rules

__all__ = [
    "CARES",
    "CalculatorInputError",
    "Estimate",
    "EstimateRequest",
    "Rules",
    "estimate",
    "explain",
    "load_rules",
]
