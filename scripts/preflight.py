"""Check the configuration before `make run` starts anything: one clear line per problem, naming the fix.

    .venv/actions/bin/python scripts/preflight.py   (scripts/run.sh runs it; exit 2 when something is wrong)

Checked: the settings read from the environment (every variable of bot/settings.py, Telegram when configured), that
endpoints.yml and credentials.yml are valid YAML whose ${VARIABLES} are all set, that the trained model is a readable
Rasa model archive, and that the knowledge index is present, up to date and readable. Without it a bad value shows
up as a traceback of one of the servers, or not at all until the first user arrives.
"""

from __future__ import annotations

import re
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.settings import Settings, SettingsError, get_settings, is_set, settings_problems  # noqa: E402

_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _settings() -> Settings | None:
    """The settings, or None when a value cannot be used (check_settings reports each such value)."""
    try:
        return get_settings()
    except SettingsError:
        return None


def check_settings() -> list[str]:
    get_settings.cache_clear()  # read the environment as it is now
    return [f"{problem} (see .env.example)" for problem in settings_problems()]


def check_telegram() -> list[str]:
    from rasa_server.telegram_config import TelegramConfig

    if _settings() is None:
        return []  # already reported by check_settings
    config = TelegramConfig.from_env()
    if not config.enabled:
        return []
    return [f"{problem} (docs/telegram.md)" for problem in config.problems()]


def check_yaml_file(path: Path) -> list[str]:
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    if not path.is_file():
        return [f"{name} is missing: restore it from git (`git checkout -- {name}`)"]
    text = path.read_text(encoding="utf-8")
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        return [f"{name} is not valid YAML{line}: {getattr(error, 'problem', None) or error}"]
    problems = []
    for number, content in enumerate(text.splitlines(), start=1):
        if content.lstrip().startswith("#"):
            continue
        for variable in _VARIABLE.findall(content):
            if not is_set(variable):
                problems.append(f"{name} line {number} uses ${{{variable}}}, which is not set (see .env.example)")
    return problems


def check_model() -> list[str]:
    settings = _settings()
    if settings is None:
        return []  # already reported by check_settings
    model = settings.rasa_model
    shown = model.relative_to(ROOT) if model.is_relative_to(ROOT) else model
    if not model.is_file():
        return [f"no trained model at {shown}: run `make train`"]
    try:
        with tarfile.open(model, "r:gz") as archive:
            names = {name.lstrip("/") for name in archive.getnames()}
    except (tarfile.TarError, OSError, EOFError) as error:
        return [f"the model {shown} cannot be read ({type(error).__name__}): delete it and run `make train`"]
    if "metadata.json" not in names:
        return [f"{shown} is not a Rasa model (no metadata.json inside): delete it and run `make train`"]
    return []


def check_index() -> list[str]:
    from bot.retrieval.index import IndexMismatchError, IndexMissingError, KnowledgeIndex

    settings = _settings()
    if settings is None:
        return []  # already reported by check_settings
    try:
        KnowledgeIndex.load(settings.index_dir, settings)
    except (IndexMissingError, IndexMismatchError) as error:
        return [str(error)]
    return []


CHECKS: list[Callable[[], list[str]]] = [
    check_settings,
    check_telegram,
    lambda: check_yaml_file(ROOT / "endpoints.yml"),
    lambda: check_yaml_file(ROOT / "credentials.yml"),
    check_model,
    check_index,
]


def main() -> int:
    problems = [problem for check in CHECKS for problem in check()]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found before start-up; nothing was started.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
