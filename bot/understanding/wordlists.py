"""The word lists and phrase patterns of free-text reading, read once from ``words.yml`` beside this module.

``words.yml`` has one section per module (``language``, ``phrasing``, ``reading``). In a section:

- a word list is one string of words separated by white space (``word_set``), or a mapping (``word_map``);
- ``alternatives`` holds lists of regex alternatives, each used in a pattern as ``{name}`` (joined with "|");
- ``patterns`` holds regexes: one string, or a list of top-level alternatives joined with "|". In a pattern,
  ``{name}`` stands for the alternatives ``name`` or for the pattern ``name`` of the same section; regex
  quantifiers such as ``{0,60}`` are left as they are.

The file is read with PyYAML's BaseLoader: every value is a string ("no", "on" and "y" stay words).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_DATA = Path(__file__).with_name("words.yml")
_REFERENCE = re.compile(r"\{([a-z_]+)\}")


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(_DATA.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    return data


def word_set(section: str, name: str) -> frozenset[str]:
    """The words of the list ``name`` of ``section``."""
    return frozenset(_data()[section][name].split())


def word_map(section: str, name: str) -> dict[str, str]:
    """The mapping ``name`` of ``section`` (word -> value)."""
    return dict(_data()[section][name])


def alternatives(section: str, name: str) -> list[str]:
    """The regex alternatives ``name`` of ``section``."""
    return list(_data()[section]["alternatives"][name])


def source(section: str, name: str) -> str:
    """The regex source of the pattern ``name`` of ``section``, its ``{references}`` filled in."""
    entries = _data()[section]
    alternatives: dict[str, list[str]] = entries.get("alternatives", {})
    patterns: dict[str, str | list[str]] = entries.get("patterns", {})

    def fill(match: re.Match[str]) -> str:
        reference = match.group(1)
        if reference in alternatives:
            return "|".join(alternatives[reference])
        if reference in patterns:
            return source(section, reference)
        raise KeyError(f"words.yml: {section}.patterns.{name} refers to an unknown list {{{reference}}}")

    template = patterns[name]
    return _REFERENCE.sub(fill, template if isinstance(template, str) else "|".join(template))


def pattern(section: str, name: str, flags: int = 0) -> re.Pattern[str]:
    """The pattern ``name`` of ``section``, compiled."""
    return re.compile(source(section, name), flags)
