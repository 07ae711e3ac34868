"""bot/settings.py: the one module that reads the environment, and the documentation that must agree with it."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from dataclasses import fields
from pathlib import Path

import pytest

from bot.settings import (
    DEFAULTS,
    SHELL_VARIABLES,
    VARIABLES,
    RetentionSettingError,
    Settings,
    SettingsError,
    get_settings,
    load_settings,
    process_environment,
    settings_problems,
)

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODULE = ROOT / "bot" / "settings.py"
#: The project's Python (tests/ may pass an environment to the processes it starts: a harness, not configuration).
CHECKED = ("bot", "actions", "rasa_server", "scripts", "bench")
#: What reads (or changes) the process environment in the os module.
ENVIRONMENT_NAMES = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}
DOCUMENTED = {variable.name for variable in VARIABLES} | set(SHELL_VARIABLES)


# --- only bot/settings.py reads the environment -----------------------------------------------------------------


def environment_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for every use of the process environment: ``os.environ`` / ``os.getenv`` and the like (also
    through ``import os as x``), the names imported with ``from os import environ``, and ``getattr(os, ...)``.

    The rule is the plain one (no read, no write), so that no module needs a judgement call: a module that must
    give a library a process variable (``OMP_NUM_THREADS``, ``HF_HUB_OFFLINE``) uses settings.process_environment
    or settings.set_process_defaults, and child processes simply inherit the environment."""
    tree = ast.parse(source)
    os_names = {"os"}
    imported: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            os_names |= {alias.asname or alias.name for alias in node.names if alias.name == "os"}
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            imported |= {
                alias.asname or alias.name: alias.name for alias in node.names if alias.name in ENVIRONMENT_NAMES
            }
    found = [
        (node.lineno, f"from os import {name}")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "os"
        for name in (alias.name for alias in node.names)
        if name in ENVIRONMENT_NAMES
    ]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ENVIRONMENT_NAMES
            and isinstance(node.value, ast.Name)
            and node.value.id in os_names
        ):
            found.append((node.lineno, f"os.{node.attr}"))
        elif isinstance(node, ast.Name) and node.id in imported:
            found.append((node.lineno, imported[node.id]))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in os_names
        ):
            found.append((node.lineno, "getattr(os, ...)"))
    return sorted(found)


def project_modules() -> list[Path]:
    return sorted(
        path for folder in CHECKED for path in (ROOT / folder).rglob("*.py") if "__pycache__" not in path.parts
    )


def test_no_module_but_the_settings_reads_the_environment():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in project_modules()
        if path != SETTINGS_MODULE
        for line, what in environment_uses(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "read the value from bot.settings.get_settings() instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        "import os\nos.environ.get('X')",
        "import os\nos.getenv('X')",
        "import os as system\nsystem.environ['X']",
        "from os import environ\nenviron.get('X')",
        "from os import getenv as g\ng('X')",
        "import os\nos.environ['X'] = '1'",
        "import os\ngetattr(os, 'environ')",
        "import os\nenv = {**os.environ, 'X': '1'}",
    ],
)
def test_the_rule_sees_every_way_of_reading_the_environment(source):
    assert environment_uses(source)


def test_the_rule_leaves_other_uses_of_os_and_other_mappings_alone():
    assert environment_uses("import os\nos.cpu_count()\nenviron = {}\nenviron.get('X')\nos.path.join('a')") == []


def test_the_scan_covers_the_project():
    names = {path.relative_to(ROOT).as_posix() for path in project_modules()}
    assert {
        "bot/settings.py",
        "actions/__main__.py",
        "rasa_server/base.py",
        "scripts/preflight.py",
        "bench/__main__.py",
    } <= names


# --- values --------------------------------------------------------------------------------------------------


def test_an_empty_environment_gives_the_documented_defaults():
    assert load_settings({}) == Settings()
    assert load_settings(dict.fromkeys(DEFAULTS, "")) == Settings()  # empty counts as unset


def test_every_variable_has_a_field_and_every_field_a_variable():
    assert {field.name.upper() for field in fields(Settings)} == set(DEFAULTS)


def test_values_are_typed_and_paths_resolved_from_the_project(tmp_path):
    settings = load_settings(
        {
            "RASA_PORT": "6005",
            "MAX_MESSAGE_CHARS": "500",
            "RETRIEVAL_THRESHOLD": "0.4",
            "KNOWLEDGE_DIR": "kb",
            "INDEX_DIR": str(tmp_path),
            "DEFAULT_LANGUAGE": "FR",
            "LOG_LEVEL": "debug",
            "BENCH_QUICK": "1",
            "TRACKER_RETENTION_DAYS": "0",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/ ",
        }
    )
    assert settings.rasa_port == 6005 and settings.max_message_chars == 500 and settings.retrieval_threshold == 0.4
    assert settings.knowledge_dir == ROOT / "kb" and settings.index_dir == tmp_path
    assert settings.default_language == "fr" and settings.log_level == "DEBUG" and settings.bench_quick
    assert settings.tracker_retention_days == 0 and settings.telegram_api_base_url == "http://127.0.0.1:9"


def test_derived_defaults_follow_the_ports_they_name():
    settings = load_settings({"WEB_PORT": "9090", "ACTION_PORT": "6055"})
    assert settings.cors_origins == ("http://localhost:9090", "http://127.0.0.1:9090")
    assert settings.action_endpoint_url == "http://127.0.0.1:6055/webhook"
    given = load_settings({"WEB_PORT": "9090", "CORS_ORIGINS": " https://a.example , https://b.example,"})
    assert given.cors_origins == ("https://a.example", "https://b.example")


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("DEFAULT_LANGUAGE", "de", "DEFAULT_LANGUAGE must be 'en' or 'fr', got 'de'"),
        ("MAX_MESSAGE_CHARS", "10", "MAX_MESSAGE_CHARS must be at least 50, got 10"),
        ("MAX_MESSAGE_CHARS", "lots", "MAX_MESSAGE_CHARS must be an integer, got 'lots'"),
        ("RETRIEVAL_THRESHOLD", "high", "RETRIEVAL_THRESHOLD must be a number, got 'high'"),
        ("RATE_LIMIT_PER_MINUTE", "lots", "RATE_LIMIT_PER_MINUTE must be a whole number, got 'lots'"),
        ("RATE_LIMIT_REDIS_URL", "http://:secret@host", "RATE_LIMIT_REDIS_URL must look like redis://"),
        ("TRACKER_RETENTION_DAYS", "a month", "TRACKER_RETENTION_DAYS (tracker_store retention_days) must be a whole"),
        ("RASA_PORT", "70000", "RASA_PORT must be a port number (0-65535), got '70000'"),
        ("ACTION_PORT", "http", "ACTION_PORT must be a port number (0-65535), got 'http'"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'loud'"),
        ("BENCH_BUDGET_S", "soon", "BENCH_BUDGET_S must be a number, got 'soon'"),
    ],
)
def test_a_value_that_cannot_be_used_is_a_clear_error(name, value, expected):
    with pytest.raises(SettingsError) as raised:
        load_settings({name: value})
    assert str(raised.value).startswith(expected)
    assert "secret" not in str(raised.value)
    assert settings_problems({name: value}) == [str(raised.value)]


def test_max_message_chars_is_refused_not_clamped_where_it_is_used(monkeypatch):
    """The guard used to turn 10 into 50 and 'lots' into 2000 silently; it now stops with the settings' error."""
    from bot.safety.guard import guard_text

    monkeypatch.setenv("MAX_MESSAGE_CHARS", "10")
    with pytest.raises(SettingsError, match="MAX_MESSAGE_CHARS must be at least 50"):
        guard_text("hello")


def test_every_problem_is_named_at_once():
    environ = {"DEFAULT_LANGUAGE": "de", "RATE_LIMIT_PER_MINUTE": "lots", "WEB_PORT": "-1"}
    problems = settings_problems(environ)
    assert [problem.split()[0] for problem in problems] == ["DEFAULT_LANGUAGE", "WEB_PORT", "RATE_LIMIT_PER_MINUTE"]
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)
    assert list(raised.value.problems) == problems


def test_a_single_bad_retention_keeps_its_own_error_type():
    with pytest.raises(RetentionSettingError, match="got 'a month'"):
        load_settings({"TRACKER_RETENTION_DAYS": "a month"})


def test_secrets_stay_out_of_the_repr():
    settings = load_settings(
        {
            "TELEGRAM_TOKEN": "42:tok",
            "TELEGRAM_SECRET_TOKEN": "shh",
            "RATE_LIMIT_REDIS_URL": "redis://:pw@127.0.0.1:6379/2",
        }
    )
    assert not any(secret in repr(settings) for secret in ("42:tok", "shh", ":pw@"))


def test_the_environment_is_read_once(monkeypatch):
    monkeypatch.setenv("DEFAULT_LANGUAGE", "fr")
    first = get_settings()
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    assert get_settings() is first and first.default_language == "fr"
    get_settings.cache_clear()
    assert get_settings().default_language == "en"


def test_a_process_variable_is_set_for_the_block_only(monkeypatch):
    import os

    monkeypatch.delenv("EXPAT_SANTE_PROBE", raising=False)
    monkeypatch.setenv("EXPAT_SANTE_KEPT", "mine")
    with process_environment(EXPAT_SANTE_PROBE="1", EXPAT_SANTE_KEPT="theirs"):
        assert os.environ["EXPAT_SANTE_PROBE"] == "1" and os.environ["EXPAT_SANTE_KEPT"] == "theirs"
    assert "EXPAT_SANTE_PROBE" not in os.environ and os.environ["EXPAT_SANTE_KEPT"] == "mine"


def test_the_module_imports_on_the_rasa_side_python():
    """The rasa server runs Python 3.10 with pydantic 1: the module must need nothing but the standard library."""
    python = ROOT / ".venv" / "rasa" / "bin" / "python"
    if not python.exists():
        pytest.skip(f"no rasa-side environment at {python}: run `make install`")
    code = (
        "import sys; from bot.settings import Settings, load_settings; assert load_settings({}) == Settings(); "
        "print(sys.version_info[:2])"
    )
    completed = subprocess.run(
        [str(python), "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); {code}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "(3, 10)"


# --- .env.example, scripts/env.sh and the README say the same ---------------------------------------------------


def shell_text(default: str) -> str:
    """A default as prose writes it: ``$WEB_PORT`` for ``${WEB_PORT}``."""
    return re.sub(r"\$\{([A-Z0-9_]+)\}", r"$\1", default)


def env_example() -> dict[str, tuple[bool, str, str]]:
    """name -> (commented out, value, the comment lines just above it)."""
    found: dict[str, tuple[bool, str, str]] = {}
    comments: list[str] = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(\S*)", line)
        if match:
            assert match.group(2) not in found, f"{match.group(2)} is listed twice in .env.example"
            found[match.group(2)] = (bool(match.group(1)), match.group(3), " ".join(comments))
        comments = comments + [line.lstrip("# ")] if line.startswith("#") and not match else []
    return found


def test_env_example_lists_every_variable_with_its_default():
    listed = env_example()
    assert set(listed) == DOCUMENTED
    for name, (commented, value, comment) in listed.items():
        if name in SHELL_VARIABLES:
            continue
        default = DEFAULTS[name]
        if "${" in default:  # computed from another variable: shown commented out, the comment says how
            assert commented and shell_text(default) in shell_text(comment.replace(" ", "")), name
        elif commented and not default:
            pass  # an optional variable, shown with an example value
        else:
            assert value == default, f".env.example gives {name}={value!r}, bot/settings.py {default!r}"


def env_sh_defaults() -> dict[str, str]:
    text = (ROOT / "scripts" / "env.sh").read_text(encoding="utf-8")
    return dict(re.findall(r'^export ([A-Z][A-Z0-9_]*)="\$\{\1:-(.*)\}"$', text, flags=re.MULTILINE))


def test_env_sh_gives_every_non_empty_default():
    """An empty default needs no line (unset and empty mean the same to the settings)."""
    assert env_sh_defaults() == {name: default for name, default in DEFAULTS.items() if default}


def test_env_sh_and_the_settings_agree_when_sourced(tmp_path):
    """Sourced in an empty environment (as make does, from a directory without .env): the same settings."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    completed = subprocess.run(
        [bash, "-c", f". {ROOT / 'scripts' / 'env.sh'} && env -0"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=True,
    )
    sourced = dict(item.split("=", 1) for item in completed.stdout.decode().split("\0") if "=" in item)
    assert load_settings(sourced) == load_settings({})
    assert set(DEFAULTS) - set(sourced) == {name for name, default in DEFAULTS.items() if not default}


def readme_table() -> dict[str, str]:
    """name -> its Default cell, from the README's configuration table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`"):
            for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]):
                assert name not in rows, f"{name} is listed twice in the README"
                rows[name] = cells[1]
    return rows


def test_the_readme_table_lists_every_variable_with_its_default():
    rows = readme_table()
    assert set(rows) == DOCUMENTED
    for name, cell in rows.items():
        if name in SHELL_VARIABLES:
            continue
        default = DEFAULTS[name]
        if default:
            assert cell == f"`{shell_text(default)}`", f"README gives {name} the default {cell}, settings {default!r}"
        else:
            assert cell.startswith("empty"), f"README gives {name} the default {cell}; bot/settings.py: empty"
