"""scripts/preflight.py: what `make run` checks before starting anything, one clear line per problem."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("preflight", ROOT / "scripts" / "preflight.py")
preflight = importlib.util.module_from_spec(spec)
spec.loader.exec_module(preflight)


def model_archive(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            source = path.parent / name.replace("/", "_")
            source.write_bytes(data)
            archive.add(source, arcname=name)
    return path


def test_a_readable_model_passes(tmp_path, monkeypatch):
    monkeypatch.setenv("RASA_MODEL", str(model_archive(tmp_path / "m.tar.gz", {"metadata.json": b"{}"})))
    assert preflight.check_model() == []


@pytest.mark.parametrize("content", [b"", b"not a tar archive", None])
def test_a_damaged_or_missing_model_names_the_fix(tmp_path, monkeypatch, content):
    model = tmp_path / "m.tar.gz"
    if content is not None:
        model.write_bytes(content)
    monkeypatch.setenv("RASA_MODEL", str(model))
    [problem] = preflight.check_model()
    assert "make train" in problem and str(model) in problem


def test_a_model_cut_short_names_the_fix(tmp_path, monkeypatch):
    model = model_archive(tmp_path / "m.tar.gz", {"metadata.json": os.urandom(200_000)})
    model.write_bytes(model.read_bytes()[:50_000])
    monkeypatch.setenv("RASA_MODEL", str(model))
    [problem] = preflight.check_model()
    assert "cannot be read" in problem and "make train" in problem


def test_an_archive_that_is_not_a_rasa_model_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("RASA_MODEL", str(model_archive(tmp_path / "m.tar.gz", {"other.txt": b"x"})))
    [problem] = preflight.check_model()
    assert "not a Rasa model" in problem


def test_bad_settings_are_each_named(monkeypatch):
    from bot.settings import get_settings

    get_settings()  # settings already read (and cached) with good values, as earlier tests do
    monkeypatch.setenv("DEFAULT_LANGUAGE", "de")
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "lots")
    problems = preflight.check_settings()
    get_settings.cache_clear()
    assert any("DEFAULT_LANGUAGE" in p and "'de'" in p for p in problems)
    assert any("RATE_LIMIT_PER_MINUTE" in p and "'lots'" in p for p in problems)


def test_a_shared_rate_limit_is_checked_without_the_redis_package(monkeypatch):
    """The action environment has no redis package: the check must not need it (it used to crash make run)."""
    monkeypatch.setenv("RATE_LIMIT_REDIS_URL", "redis://:secret@127.0.0.1:6379/2")
    assert preflight.check_settings() == []
    monkeypatch.setenv("RATE_LIMIT_REDIS_URL", "http://127.0.0.1:6379")
    [problem] = preflight.check_settings()
    assert "RATE_LIMIT_REDIS_URL" in problem and "secret" not in problem


def test_a_telegram_token_without_secret_is_reported_without_quoting_secrets(monkeypatch):
    monkeypatch.setenv("TELEGRAM_TOKEN", "123456:ABCdefGhIJKlmnoPQRstuVWXyz_0123456789")
    monkeypatch.delenv("TELEGRAM_SECRET_TOKEN", raising=False)
    problems = preflight.check_telegram()
    assert any("TELEGRAM_SECRET_TOKEN is not set" in p for p in problems)
    assert not any("ABCdef" in p for p in problems)


def test_invalid_yaml_is_reported_with_its_line(tmp_path):
    broken = tmp_path / "endpoints.yml"
    broken.write_text("action_endpoint:\n  url: [unclosed\ntracker_store:\n  type: SQL\n")
    [problem] = preflight.check_yaml_file(broken)
    assert "not valid YAML at line" in problem


def test_an_unset_variable_is_reported(tmp_path, monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    monkeypatch.setenv("IS_SET", "x")
    config = tmp_path / "endpoints.yml"
    config.write_text("# ${IN_A_COMMENT}\naction_endpoint:\n  url: ${IS_SET}\n  db: ${NOT_SET_ANYWHERE}\n")
    assert preflight.check_yaml_file(config) == [
        f"{config} line 4 uses ${{NOT_SET_ANYWHERE}}, which is not set (see .env.example)"
    ]


def test_the_project_files_pass_with_the_make_defaults():
    env = subprocess.run(["bash", "-c", ". scripts/env.sh && env -0"], cwd=ROOT, capture_output=True, check=True)
    defaults = dict(item.split("=", 1) for item in env.stdout.decode().split("\0") if "=" in item)
    saved = dict(os.environ)
    try:
        os.environ.update(defaults)
        assert preflight.check_yaml_file(ROOT / "endpoints.yml") == []
        assert preflight.check_yaml_file(ROOT / "credentials.yml") == []
        assert preflight.check_settings() == []
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_make_run_stops_before_starting_anything_on_a_damaged_model(tmp_path):
    """scripts/run.sh (make run) with a damaged model: the problem and its fix, exit 2, and no server started."""
    model = tmp_path / "damaged.tar.gz"
    model.write_bytes(b"\x1f\x8b\x08\x00 truncated")
    env = {**os.environ, "RASA_MODEL": str(model), "ACTION_PORT": "1", "RASA_PORT": "1", "WEB_PORT": "1"}
    result = subprocess.run(["bash", "scripts/run.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert f"the model {model} cannot be read" in result.stderr and "make train" in result.stderr
    assert "starting" not in result.stdout
