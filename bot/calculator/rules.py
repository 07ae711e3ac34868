"""Dated reimbursement rules read from ``rules.yml``: every number with its effective date, source and confidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RULES_PATH = Path(__file__).with_name("rules.yml")
CONFIDENCES = ("H", "M", "L")


class RulesError(ValueError):
    """The rules file is malformed (a programming or data error, never a user error)."""


class RuleDateError(LookupError):
    """No version of a rule applies on the requested date (the date is before the rules the calculator holds)."""

    def __init__(self, key: str, on: dt.date, first: dt.date) -> None:
        super().__init__(f"rule {key!r} has no version on {on.isoformat()} (first version: {first.isoformat()})")
        self.key = key
        self.on = on
        self.first = first


@dataclass(frozen=True)
class RuleVersion:
    """One dated value of a rule, with where it comes from."""

    key: str
    value: Decimal
    start: dt.date
    sources: tuple[str, ...]
    confidence: str
    note: str | None = None
    start_at_least: bool = False
    alt_start: dt.date | None = None


@dataclass(frozen=True)
class Rules:
    version_date: dt.date
    covers_from: dt.date
    sources: dict[str, str]
    entries: dict[str, tuple[RuleVersion, ...]]
    official: frozenset[str] = frozenset()  # ids of `sources` that are official pages (ameli, service-public, JO…)

    def version(self, key: str, on: dt.date, before_cover: bool = False) -> RuleVersion:
        """The version of ``key`` in force on ``on``; RuleDateError if ``on`` is before its first version.

        Dates before ``covers_from`` are refused unless ``before_cover`` (one rule looked up on its own, e.g. the
        transport rate of a 2023 refund: its versions carry their own dates; a whole estimate needs every tariff).
        """
        try:
            versions = self.entries[key]
        except KeyError as exc:
            raise RulesError(f"unknown rule {key!r}") from exc
        current = None
        for version in versions:
            if version.start <= on:
                current = version
        if current is None or (on < self.covers_from and not before_cover):
            raise RuleDateError(key, on, max(versions[0].start, self.covers_from))
        return current

    def is_official(self, source_id: str) -> bool:
        """Whether a source may be shown to users as the source of a rule (broker, insurer, press, mirrors: no)."""
        return source_id in self.official


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise RulesError(f"{where}: {value!r} is not a YYYY-MM-DD date") from exc


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise RulesError(f"{where}: value {value!r} is not a number")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        # A float has already lost the decimals written in the file: read it with ``read_rules_yaml``.
        raise RulesError(f"{where}: value must be a number written in decimals, got {value!r}")
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation as exc:
        raise RulesError(f"{where}: value {value!r} is not a number") from exc
    if not number.is_finite():
        raise RulesError(f"{where}: value {value!r} is not a number")
    return number


def parse_rules(raw: dict[str, Any]) -> Rules:
    """Build and validate Rules from the parsed YAML mapping."""
    if not isinstance(raw, dict):
        raise RulesError("rules file must be a mapping")
    sources = raw.get("sources") or {}
    entries_raw = raw.get("entries") or {}
    if not sources or not entries_raw:
        raise RulesError("rules file needs `sources` and `entries`")
    entries: dict[str, tuple[RuleVersion, ...]] = {}
    for key, versions_raw in entries_raw.items():
        if not isinstance(versions_raw, list) or not versions_raw:
            raise RulesError(f"{key}: expected a non-empty list of versions")
        versions = []
        for i, item in enumerate(versions_raw):
            where = f"{key}[{i}]"
            missing = [name for name in ("value", "from", "source", "confidence") if name not in item]
            if missing:
                raise RulesError(f"{where}: missing {', '.join(missing)}")
            source_ids = tuple(item["source"])
            unknown = [s for s in source_ids if s not in sources]
            if unknown or not source_ids:
                raise RulesError(f"{where}: unknown or missing source id(s) {unknown}")
            if item["confidence"] not in CONFIDENCES:
                raise RulesError(f"{where}: confidence must be one of {CONFIDENCES}")
            versions.append(
                RuleVersion(
                    key=key,
                    value=_decimal(item["value"], where),
                    start=_date(item["from"], where),
                    sources=source_ids,
                    confidence=item["confidence"],
                    note=item.get("note"),
                    start_at_least=item.get("start") == "at_least",
                    alt_start=_date(item["alt_from"], where) if item.get("alt_from") else None,
                )
            )
        starts = [v.start for v in versions]
        if starts != sorted(set(starts)):
            raise RulesError(f"{key}: versions must have distinct dates in increasing order")
        entries[key] = tuple(versions)
    official = raw.get("official_sources") or []
    unknown_official = [s for s in official if s not in sources]
    if unknown_official:
        raise RulesError(f"official_sources: unknown source id(s) {unknown_official}")
    return Rules(
        official=frozenset(str(s) for s in official),
        version_date=_date(raw.get("version_date"), "version_date"),
        covers_from=_date(raw.get("covers_from"), "covers_from"),
        sources={str(k): str(v) for k, v in sources.items()},
        entries=entries,
    )


class _DecimalLoader(yaml.SafeLoader):
    """YAML's safe loader, with numbers written with a decimal point read as ``Decimal`` (``19.61`` stays 19.61:
    never a float on the way)."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:  # .inf, .nan, 1:30.5 (sexagesimal): not a rule value; _decimal refuses the float
        return loader.construct_yaml_float(node)


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def read_rules_yaml(text: str) -> Any:
    """The parsed YAML of a rules file, its decimal numbers as ``Decimal`` (the input of ``parse_rules``)."""
    return yaml.load(text, Loader=_DecimalLoader)  # a SafeLoader: no arbitrary objects


def load_rules(path: Path | None = None) -> Rules:
    """Read a rules file; the default file is read once and cached."""
    if path is None:
        return _default_rules()
    return parse_rules(read_rules_yaml(Path(path).read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _default_rules() -> Rules:
    return load_rules(RULES_PATH)
