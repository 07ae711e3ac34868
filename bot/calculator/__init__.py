"""Reimbursement calculator: what the Sécurité sociale, the mutuelle (or the CSS) and the patient pay for one care.

Rules are data (``rules.yml``: dated, sourced), money is ``Decimal`` rounded to the cent until it is formatted, and
every sentence comes from ``texts.yml`` in English and French. Nothing here imports Rasa.

Layers, each module importing only from those before it: ``money`` → ``rules`` → ``request`` (the validated input;
``CalculatorInputError`` carries a key and parameters, no sentence) → ``result`` (numbers and keys) → ``estimate``
(the engine) → ``questions`` and ``refund`` (built on the engine) → ``explain`` (presentation: the sentences, in the
language asked) → ``report`` (the JSON of ``--json``) → ``cli``.
"""

from bot.calculator.estimate import estimate
from bot.calculator.explain import error_text, explain
from bot.calculator.request import CARES, CalculatorInputError, EstimateRequest, MissingAnswerError
from bot.calculator.result import Estimate
from bot.calculator.rules import Rules, load_rules

__all__ = [
    "CARES",
    "CalculatorInputError",
    "MissingAnswerError",
    "Estimate",
    "EstimateRequest",
    "Rules",
    "error_text",
    "estimate",
    "explain",
    "load_rules",
]
