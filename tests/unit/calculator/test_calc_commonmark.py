"""The calculator's texts are CommonMark that survives any client (issue 21): the steps are an ordered list, the
assumptions and rules bullet lists, paragraphs separated by blank lines, as a standard renderer (markdown-it-py,
CommonMark preset) reads them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from markdown_it import MarkdownIt

from bot.calculator import CARES, EstimateRequest, estimate, explain
from bot.calculator.explain import headline, main_assumption, refund_text
from bot.calculator.refund import RefundFacts, explain_refund

COMMONMARK = MarkdownIt("commonmark")
JAN_2026 = dt.date(2026, 1, 10)


def check_commonmark(text: str) -> None:
    """Every line written as a list item is a list item once rendered, and no list ran into a paragraph."""
    tokens = COMMONMARK.parse(text)
    items = sum(1 for t in tokens if t.type == "list_item_open")
    written = sum(1 for line in text.split("\n") if re.match(r"^(- |\d+\. )", line))
    assert items == written, text
    for token in tokens:
        if token.type == "inline":
            assert not re.search(r"\n(- |\d+\. )", token.content), token.content
    # Lists start after a blank line (renderers that do not let a list interrupt a paragraph, as rasa-webchat's).
    lines = text.split("\n")
    for before, line in zip(lines, lines[1:], strict=False):
        if re.match(r"^(- |\d+\. )", line):
            assert before == "" or re.match(r"^(- |\d+\. )", before), (before, line)
    html = COMMONMARK.render(text)
    assert html.count("<p>") + html.count("<li>") >= len([p for p in text.split("\n\n") if p.strip()])


@pytest.mark.parametrize("care", CARES)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_explanation_is_commonmark_with_its_lists(care, lang):
    price = None if care in ("emergency", "gp", "psychiatrist") else "120"
    extras = {"crown": {"basket": "libre"}, "hearing_aid": {"device_class": "2"}, "glasses": {"device_class": "B"}}
    extra = extras.get(care, {})
    result = estimate(EstimateRequest(care=care, price=price, date=JAN_2026, mutuelle=Decimal(100), **extra))
    text = explain(result, lang)
    check_commonmark(text)
    tokens = COMMONMARK.parse(text)
    assert any(t.type == "ordered_list_open" for t in tokens) and any(t.type == "bullet_list_open" for t in tokens)
    for line in (headline(result, lang), main_assumption(result, lang)):
        assert "\n" not in line and COMMONMARK.render(line).startswith("<p>")


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(
    "facts",
    [
        RefundFacts(Decimal(30), Decimal(19), "gp", JAN_2026),
        RefundFacts(Decimal(30), Decimal(7), "gp", JAN_2026),
        RefundFacts(Decimal(30), Decimal(12), "gp", JAN_2026),
        RefundFacts(Decimal(30), Decimal(19), None, JAN_2026),
    ],
)
def test_refund_explanations_are_commonmark(facts, lang):
    check_commonmark(refund_text(explain_refund(facts), lang))
