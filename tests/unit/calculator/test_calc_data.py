"""The rules and texts files: dated versions selected by date, every rule sourced, every sentence in EN and FR."""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal
from pathlib import Path

import pytest

from bot.calculator import EstimateRequest, estimate, load_rules
from bot.calculator.explain import texts
from bot.calculator.rules import RULES_PATH, RuleDateError, RulesError, parse_rules, read_rules_yaml


def test_dated_versions_are_selected_by_the_date_of_care():
    rules = load_rules()
    assert rules.version("forfait_journalier.general", dt.date(2026, 2, 28)).value == Decimal("20")
    assert rules.version("forfait_journalier.general", dt.date(2026, 3, 1)).value == Decimal("23")
    assert rules.version("heavy_act.forfait", dt.date(2026, 4, 21)).value == Decimal("24")
    assert rules.version("heavy_act.forfait", dt.date(2026, 4, 22)).value == Decimal("32")
    assert rules.version("forfait_urgences.full", dt.date(2026, 3, 1)).value == Decimal("23")
    with pytest.raises(RuleDateError):
        rules.version("tariff.gp", dt.date(2024, 12, 21))


def test_every_version_has_a_known_source_and_confidence():
    rules = load_rules()
    for versions in rules.entries.values():
        for version in versions:
            assert version.sources and all(s in rules.sources for s in version.sources)
            assert version.confidence in ("H", "M", "L")
            if version.confidence == "L":
                assert version.note, f"{version.key}: a low-confidence value must carry a note"


def test_a_changed_rules_file_changes_the_estimate():
    # Numbers are data: a new dated PF version in a rules file is picked up for care on or after its date.
    raw = read_rules_yaml(RULES_PATH.read_text(encoding="utf-8"))
    raw["entries"]["pf.amount"].append(
        {"value": 4, "from": dt.date(2027, 1, 1), "source": ["magnolia_pf"], "confidence": "L"}
    )
    rules = parse_rules(raw)
    before = estimate(EstimateRequest(care="gp", price="30", date=dt.date(2026, 12, 31)), rules)
    after = estimate(EstimateRequest(care="gp", price="30", date=dt.date(2027, 1, 1)), rules)
    assert (before.statutory_paid, after.statutory_paid) == (Decimal("19.00"), Decimal("17.00"))


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda raw: raw["entries"]["pf.amount"][0].update(source=["nowhere"]), "source"),
        (lambda raw: raw["entries"]["pf.amount"][0].update(confidence="X"), "confidence"),
        (lambda raw: raw["entries"]["pf.amount"][0].pop("from"), "missing"),
        (lambda raw: raw["entries"]["forfait_journalier.general"].reverse(), "increasing"),
        (lambda raw: raw["entries"]["pf.amount"][0].update(value="two"), "not a number"),
    ],
)
def test_malformed_rules_are_refused(mutate, message):
    raw = read_rules_yaml(RULES_PATH.read_text(encoding="utf-8"))
    mutate(raw)
    with pytest.raises(RulesError, match=message):
        parse_rules(raw)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_text_exists_in_english_and_french_with_the_same_placeholders():
    data = texts()
    for section, entries in data.items():
        if section == "months":
            assert len(entries["en"]) == len(entries["fr"]) == 12
            continue
        for key, variants in entries.items():
            assert set(variants) == {"en", "fr"}, f"{section}.{key}"
            assert variants["en"].strip() and variants["fr"].strip(), f"{section}.{key}"
            assert _fields(variants["en"]) == _fields(variants["fr"]), f"{section}.{key}"


def test_every_rule_has_a_label_and_every_note_a_text():
    data = texts()
    rules = load_rules()
    assert set(rules.entries) <= set(data["labels"])
    notes = {v.note for versions in rules.entries.values() for v in versions if v.note}
    assert notes and notes <= set(data["notes"])


def test_every_assumption_and_error_key_used_in_code_has_a_text():
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(RULES_PATH).parent.glob("*.py"))
    import re

    data = texts()
    used_assumptions = set(re.findall(r'assume\(\s*"([a-z0-9_]+)"', source))
    used_errors = set(re.findall(r'CalculatorInputError\(\s*"([a-z0-9_]+)"', source))
    assert used_assumptions and used_errors
    assert used_assumptions <= set(data["assumptions"])
    assert used_errors <= set(data["errors"])


OFFICIAL_SITES = ("https://www.ameli.fr/", "https://www.service-public.fr/", "https://www.legifrance.gouv.fr/")


def test_official_sources_are_official_pages_and_high_confidence_needs_one():
    # Confidence H = several consistent sources, at least one official (shared/reference scale). Sources shown to users
    # are official pages only: ameli.fr, service-public.fr, legifrance (never a broker, insurer, press or mirror site).
    rules = load_rules()
    assert rules.official
    for source_id in rules.official:
        url = rules.sources[source_id].rsplit(" — ", 1)[-1]
        assert url.startswith(OFFICIAL_SITES), source_id
    for versions in rules.entries.values():
        for version in versions:
            if version.confidence == "H":
                assert any(rules.is_official(s) for s in version.sources), f"{version.key}: H without official source"


def test_an_official_source_shown_to_a_user_is_only_the_pages_name_and_address():
    # The same text goes into English and French estimates: a page's name and its address, never a reviewer's note
    # ("read in a co-branded copy", a paraphrase of the page in English). How it was read is a comment in rules.yml.
    import re

    rules = load_rules()
    for source_id in rules.official:
        text = rules.sources[source_id]
        assert re.fullmatch(r"[^;]+ — https://\S+", text), source_id
        assert not re.search(r"\b(read|copy|modified|checked|vérifié)\b|\): ", text), source_id


def test_a_user_is_shown_only_official_sources():
    # Every care, both languages: each URL in the explanation is an official page; a rule without one says so.
    import re

    from bot.calculator import CARES, explain

    rules = load_rules()
    secondary_urls = {
        m for s, text in rules.sources.items() if not rules.is_official(s) for m in re.findall(r"https?://\S+", text)
    }
    assert secondary_urls
    for care in CARES:
        price = None if care in ("emergency", "gp") else "100"
        extras = {
            "crown": {"material": "metal"},
            "hearing_aid": {"device_class": "1"},
            "glasses": {"device_class": "A"},
        }
        extra = extras.get(care, {})
        result = estimate(EstimateRequest(care=care, price=price, date=dt.date(2026, 1, 10), **extra))
        for lang in ("en", "fr"):
            text = explain(result, lang)
            for url in re.findall(r"https?://\S+", text):
                assert url.rstrip(".;)").startswith(OFFICIAL_SITES), (care, lang, url)
            assert not any(u in text for u in secondary_urls)
            for word in ("magnolia", "mirror", "bonne-assurance", "mutame", "stmeen", "quechoisir", "csmf"):
                assert word not in text.lower(), (care, lang, word)
