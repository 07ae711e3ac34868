"""`python -m bot search|index|eval` as people and scripts use it."""

from __future__ import annotations

import json

import pytest

from bot.retrieval import reset_retriever
from bot.retrieval.cli import COMMANDS
from bot.settings import get_settings


@pytest.fixture
def cli_env(built, monkeypatch):
    monkeypatch.setenv("KNOWLEDGE_DIR", str(built.knowledge_dir))
    monkeypatch.setenv("INDEX_DIR", str(built.index_dir))
    monkeypatch.delenv("EMBEDDING_MODEL", raising=False)
    monkeypatch.delenv("RETRIEVAL_THRESHOLD", raising=False)
    get_settings.cache_clear()
    reset_retriever()
    yield built
    get_settings.cache_clear()
    reset_retriever()


def test_search_json_lists_passages_with_the_documented_fields(cli_env, capsys):
    assert COMMANDS["search"](["Comment obtenir ma carte Vitale ?", "--lang", "fr", "--k", "2", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 2
    assert {"id", "lang", "title", "text", "source", "score"} <= set(hits[0])
    assert hits[0]["id"] == "carte-vitale#commander-sa-carte" and hits[0]["lang"] == "fr"


def test_search_human_output_shows_title_path_score_and_source(cli_env, capsys):
    assert COMMANDS["search"](["updating my card", "--lang", "en", "--k", "1"]) == 0
    out = capsys.readouterr().out
    assert "The Carte Vitale › Updating your card" in out and "score" in out and "source: https://" in out


def test_index_reports_up_to_date(cli_env, capsys):
    assert COMMANDS["index"]([]) == 0
    assert "up to date" in capsys.readouterr().out


def test_eval_prints_the_table_per_language_and_method(cli_env, tmp_path, capsys):
    eval_set = tmp_path / "set.yml"
    eval_set.write_text(
        "- {q: 'new family doctor paperwork', lang: en, expect: [medecin-traitant#declaring-your-doctor]}\n"
        "- {q: 'mettre ma carte à jour', lang: fr, expect: [carte-vitale]}\n"
        "- {q: 'cheapest flights to Lisbon', lang: en, expect: []}\n",
        encoding="utf-8",
    )
    assert COMMANDS["eval"](["--set", str(eval_set)]) == 0
    out = capsys.readouterr().out
    for method in ("bm25", "dense", "hybrid"):
        assert f"| en | {method} |" in out and f"| fr | {method} |" in out
    assert "R@3" in out and "MRR" in out and "threshold" in out


def test_eval_refuses_a_set_naming_unknown_passages(cli_env, tmp_path, capsys):
    eval_set = tmp_path / "set.yml"
    eval_set.write_text("- {q: 'anything', lang: en, expect: [no-such-article]}\n", encoding="utf-8")
    assert COMMANDS["eval"](["--set", str(eval_set)]) == 1
    assert "en:no-such-article" in capsys.readouterr().err
