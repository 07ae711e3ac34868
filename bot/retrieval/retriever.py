"""Hybrid search over the knowledge index, and the answer/no-answer decision.

Three rankings per language are fused: dense cosine of the query with each passage's text, dense cosine with the
passage's example questions (best one), and BM25 on spaCy lemmas. The fused score is a blend with a fixed scale,
so one threshold means the same thing for every query:

    score = alpha · dense + (1 − alpha) · rrf / rrf_max

where ``dense`` is the best cosine of the query with the passage or one of its questions, ``rrf`` the weighted
reciprocal-rank fusion of the three rankings and ``rrf_max`` its value for a passage ranked first by all three.
``alpha``, the RRF constant, the weights and the threshold, per language, live in ``tuning.json`` (written by
``python -m bot eval --write-tuning``); ``RETRIEVAL_THRESHOLD`` overrides the thresholds. Two more rankings can
join the fusion when their weight is not zero: BM25 over character 4-grams (typos, derived forms) and the cosine
of spaCy's static French word vectors (a dense signal that knows French).
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.knowledge.articles import LANGUAGES
from bot.retrieval.embedding import Encoder, get_encoder
from bot.retrieval.index import (
    KIND_PASSAGE,
    KIND_QUESTION,
    SECOND_ENCODERS,
    IndexMismatchError,
    KnowledgeIndex,
    ensure_index,
)
from bot.retrieval.lexical import BM25, analyse_query, chargrams
from bot.retrieval.passages import Passage, linked_documents
from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    import faiss

log = logging.getLogger(__name__)

TUNING_FILE = Path(__file__).with_name("tuning.json")
METHODS = ("bm25", "dense", "dense-e5", "hybrid")
#: Related passages ("see also" buttons, not answers) may score this much below the answer threshold.
RELATED_MARGIN = 0.1


@dataclass(frozen=True)
class Fusion:
    """How one language's rankings are fused (see the module docstring)."""

    alpha: float = 0.3
    rrf_k: float = 5.0
    weights: dict[str, float] = field(
        default_factory=lambda: {"passage": 1.0, "question": 1.0, "bm25": 1.0, "chargram": 0.0, "static": 0.0}
    )
    #: Share of the second encoder (e5) in the absolute ``dense`` term: 0 = EMBEDDING_MODEL only, 1 = e5 only.
    dense_mix: float = 0.0
    #: Added to the score of an article's introduction (the passage titled with the article title).
    intro_bias: float = 0.0
    #: Added to the score of the passages of ``topic``, the article the previous answer came from.
    topic_boost: float = 0.0

    def to_json(self) -> dict:
        return {
            "alpha": self.alpha,
            "rrf_k": self.rrf_k,
            "dense_mix": self.dense_mix,
            "intro_bias": self.intro_bias,
            "topic_boost": self.topic_boost,
            "weights": dict(self.weights),
        }

    def uses(self, short: str) -> bool:
        """Whether the encoder with short name ``short`` ("" for EMBEDDING_MODEL, "e5") counts in this fusion."""
        prefix = f"{short}_" if short else ""
        weighted = any(self.weights.get(f"{prefix}{name}") for name in ("passage", "question"))
        mix = self.dense_mix if short else 1.0 - self.dense_mix
        return weighted or mix > 0


@dataclass(frozen=True)
class Tuning:
    """Per-language thresholds and fusion parameters (``tuning.json``)."""

    thresholds: dict[str, float]
    fusion: dict[str, Fusion] = field(default_factory=dict)
    model: str | None = None  # the embedding model the values were tuned with

    def for_lang(self, lang: str) -> Fusion:
        return self.fusion.get(lang) or Fusion()

    @classmethod
    def load(cls, path: Path = TUNING_FILE, override: float | None = None) -> Tuning:
        data = json.loads(path.read_text(encoding="utf-8"))
        thresholds = {lang: float(data[lang]["threshold"]) for lang in LANGUAGES}
        if override is not None:
            thresholds = dict.fromkeys(LANGUAGES, override)
        fusion = {
            lang: Fusion(
                alpha=float(data[lang]["alpha"]),
                rrf_k=float(data[lang]["rrf_k"]),
                weights={name: float(value) for name, value in data[lang]["weights"].items()},
                dense_mix=float(data[lang].get("dense_mix", 0.0)),
                intro_bias=float(data[lang].get("intro_bias", 0.0)),
                topic_boost=float(data[lang].get("topic_boost", 0.0)),
            )
            for lang in LANGUAGES
        }
        return cls(thresholds=thresholds, fusion=fusion, model=data.get("model"))


@dataclass(frozen=True)
class Hit:
    id: str
    doc_id: str
    lang: str
    title: str
    heading: str
    title_path: str
    text: str
    source: str
    last_reviewed: str
    score: float
    questions: tuple[str, ...] = ()

    @classmethod
    def from_passage(cls, passage: Passage, score: float) -> Hit:
        return cls(
            id=passage.id,
            doc_id=passage.doc_id,
            lang=passage.lang,
            title=passage.title,
            heading=passage.heading,
            title_path=passage.title_path,
            text=passage.text,
            source=passage.source,
            last_reviewed=passage.last_reviewed,
            score=round(float(score), 4),
            questions=passage.questions,
        )

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "lang": self.lang,
            "title": self.title,
            "heading": self.heading,
            "title_path": self.title_path,
            "text": self.text,
            "source": self.source,
            "last_reviewed": self.last_reviewed,
            "score": self.score,
            "questions": list(self.questions),
        }


@dataclass(frozen=True)
class Answer:
    """What to say: ``hit`` when ``confident`` (else None), up to two related passages from other articles, and the
    opening passages of the articles ``hit`` links to (``linked``, in the hit's language)."""

    confident: bool
    hit: Hit | None
    related: tuple[Hit, ...] = ()
    other_language: bool = False  # the hit is in the other language: nothing in the user's language fits
    score: float = 0.0  # the best score seen, also when not confident (for logs and tuning)
    linked: tuple[Hit, ...] = ()
    closest: bool = False  # given as "the closest I have": just under the threshold (actions/answer_first.py)


#: Encodes a question with a second encoder while the calling thread runs the first (``Retriever._query_vectors``).
_ENCODING_THREADS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="second-encoder")


class Retriever:
    def __init__(
        self, index: KnowledgeIndex, encoder: Encoder, tuning: Tuning, extra_encoders: dict[str, Encoder] | None = None
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.tuning = tuning
        self.passages = index.passages
        # The dense signals: "" = EMBEDDING_MODEL (rankings "passage", "question"), "e5" = the second encoder
        # (rankings "e5_passage", "e5_question"), each with its encoder and the faiss index of the same rows.
        extra_encoders = extra_encoders or {}
        self.encoders: dict[str, tuple[Encoder, faiss.Index]] = {"": (encoder, index.faiss_index)}
        for name, faiss_index in index.extra.items():
            self.encoders[SECOND_ENCODERS[name]] = (extra_encoders.get(name) or get_encoder(name), faiss_index)
        self._by_lang = {
            lang: np.array([i for i, p in enumerate(self.passages) if p.lang == lang], dtype=np.int64)
            for lang in LANGUAGES
        }
        self._bm25 = {lang: BM25([index.terms[i] for i in rows]) for lang, rows in self._by_lang.items()}
        self._chargrams = {
            lang: BM25([chargrams(index.terms[i]) for i in rows]) for lang, rows in self._by_lang.items()
        }
        self._vectors: dict[tuple[str, str], np.ndarray] = {}
        self._vectors_lock = threading.Lock()
        self._is_intro = np.array([p.heading == p.title for p in self.passages], dtype=np.float64)
        self._doc_ids = np.array([p.doc_id for p in self.passages], dtype=object)
        self._docs_by_lang = {lang: {self.passages[i].doc_id for i in rows} for lang, rows in self._by_lang.items()}
        self._first_rows: dict[tuple[str, str], int] = {}
        self._rows_by_id = {(passage.id, passage.lang): row for row, passage in enumerate(self.passages)}
        for row, passage in enumerate(self.passages):  # passages are in section order within an article
            self._first_rows.setdefault((passage.doc_id, passage.lang), row)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, build: bool = True) -> Retriever:
        """Load the index of ``settings`` (building it first when ``build`` and it is missing or stale)."""
        settings = settings or get_settings()
        encoder = get_encoder(settings.embedding_model)
        attempts = 3 if build else 1
        for attempt in range(attempts):
            if build:
                ensure_index(settings)
            try:
                index = KnowledgeIndex.load(settings.index_dir, settings)
                break
            except IndexMismatchError:
                if attempt == attempts - 1:  # files keep changing while we build (an author at work): give up
                    raise
        tuning = Tuning.load(override=settings.retrieval_threshold)
        if tuning.model not in (None, settings.embedding_model) and settings.retrieval_threshold is None:
            log.warning(
                "tuning.json was tuned for %s, the index uses %s: its thresholds may not fit; run "
                "`python -m bot eval --write-tuning` or set RETRIEVAL_THRESHOLD",
                tuning.model,
                settings.embedding_model,
            )
        retriever = cls(index, encoder, tuning)
        retriever.warm_up()
        return retriever

    def warm_up(self) -> None:
        """Load the spaCy pipelines and run the encoder once, so the first user does not wait for them."""
        for lang in LANGUAGES:
            self.rank("carte Vitale", lang)
        # A whole answer in each language too (both encoders, both languages' rankings, linked articles): the first
        # user's question took 0.4–2 s more than the next ones without it.
        self.answer("Comment obtenir ma carte Vitale ?", "fr")
        self.answer("How do I order my European health insurance card?", "en")
        self._vectors.clear()

    def _query_vector(self, query: str, short: str = "") -> np.ndarray:
        """The query's unit vector with encoder ``short``; recent ones are remembered (retries, the eval grid,
        answer() trying the second language)."""
        vector = self._vectors.get((short, query))
        if vector is None:
            vector = self.encoders[short][0].encode([query], query=True)[0]
            with self._vectors_lock:  # the action server may serve requests from several threads
                if len(self._vectors) >= 2048:
                    self._vectors.pop(next(iter(self._vectors)))
                self._vectors[(short, query)] = vector
        return vector

    def _query_vectors(self, query: str, shorts: list[str]) -> dict[str, np.ndarray]:
        """The query's vector with each encoder of ``shorts``. Those not remembered are encoded at the same time,
        one encoder per thread (both engines let go of the GIL while they compute): a question costs the slower
        encoder's time instead of the sum (docs/benchmarks.md)."""
        missing = [short for short in shorts if (short, query) not in self._vectors]
        others = {short: _ENCODING_THREADS.submit(self._query_vector, query, short) for short in missing[1:]}
        vectors = {short: self._query_vector(query, short) for short in shorts if short not in others}
        vectors.update({short: future.result() for short, future in others.items()})
        return {short: vectors[short] for short in shorts}

    # --- scoring -------------------------------------------------------------------------------------------------

    def _dense(self, vector: np.ndarray, faiss_index: faiss.Index | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Cosine of the query with every passage text, and with each passage's best example question."""
        faiss_index = self.index.faiss_index if faiss_index is None else faiss_index
        size = len(self.passages)
        passage_cos = np.full(size, -1.0, dtype=np.float32)
        question_cos = np.full(size, -np.inf, dtype=np.float32)
        total = faiss_index.ntotal
        if total == 0:
            return passage_cos, question_cos
        scores, rows = faiss_index.search(vector.reshape(1, -1), total)
        scores, rows = scores[0], rows[0]
        owners, kinds = self.index.row_passage[rows], self.index.row_kind[rows]
        is_passage = kinds == KIND_PASSAGE
        passage_cos[owners[is_passage]] = scores[is_passage]
        is_question = kinds == KIND_QUESTION
        np.maximum.at(question_cos, owners[is_question], scores[is_question])
        return passage_cos, question_cos

    def _static(self, vector: np.ndarray | None) -> np.ndarray | None:
        """Best cosine of the query's static vector with each passage's text or example questions."""
        if vector is None or self.index.static is None:
            return None
        scores = self.index.static @ vector
        best = np.full(len(self.passages), -1.0, dtype=np.float32)
        np.maximum.at(best, self.index.row_passage, scores)
        return best

    def _rank_language(
        self,
        query: str,
        lang: str,
        dense: dict[str, tuple[np.ndarray, np.ndarray]],
        method: str,
        topic: str | None = None,
    ) -> list[tuple[int, float]]:
        rows = self._by_lang[lang]
        if not len(rows):
            return []
        if method.startswith("dense"):
            passage_cos, question_cos = dense[method.partition("-")[2]]
            return _ordered(rows, np.maximum(passage_cos[rows], question_cos[rows]))
        terms, static_vector = analyse_query(query, lang)
        bm25 = self._bm25[lang].scores(terms)
        if method == "bm25":
            return [(row, score) for row, score in _ordered(rows, bm25) if score > 0]
        tuning = self.tuning.for_lang(lang)
        k = tuning.rrf_k
        everything = np.ones(len(rows), dtype=bool)
        rankings = [("bm25", bm25, bm25 > 0)]
        dense_best: dict[str, np.ndarray] = {}
        for short, (passage_cos, question_cos) in dense.items():
            prefix = f"{short}_" if short else ""
            dense_best[short] = np.maximum(passage_cos[rows], question_cos[rows])
            rankings.append((f"{prefix}passage", passage_cos[rows], everything))
            # A passage without example questions competes here with its text: no penalty for having none.
            rankings.append((f"{prefix}question", dense_best[short], everything))
        if tuning.weights.get("chargram"):
            grams = self._chargrams[lang].scores(chargrams(terms))
            rankings.append(("chargram", grams, grams > 0))
        static = self._static(static_vector) if tuning.weights.get("static") else None
        if static is not None:
            rankings.append(("static", static[rows], everything))
        rrf = np.zeros(len(rows), dtype=np.float64)
        rrf_max = 0.0
        for name, scores, valid in rankings:
            weight = tuning.weights.get(name, 0.0)
            if not weight:
                continue
            ranks = np.empty(len(rows), dtype=np.float64)
            ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(rows) + 1)
            rrf += np.where(valid, weight / (k + ranks), 0.0)
            rrf_max += weight / (k + 1)
        mix = tuning.dense_mix if "e5" in dense_best else 0.0
        absolute = (1 - mix) * dense_best.get("", 0.0) + mix * dense_best.get("e5", 0.0)
        fused = tuning.alpha * absolute + (1 - tuning.alpha) * (rrf / rrf_max if rrf_max else np.zeros_like(rrf))
        if tuning.intro_bias:
            fused = fused + tuning.intro_bias * self._is_intro[rows]
        if topic and tuning.topic_boost:
            # A follow-up ("how much does one cost?") is read in the light of the article the last answer came from.
            fused = fused + tuning.topic_boost * (self._doc_ids[rows] == topic)
        return _ordered(rows, fused)

    def methods(self) -> tuple[str, ...]:
        """What ``rank`` accepts here: every method, with ``dense-e5`` only when the index has the second encoder."""
        return tuple(m for m in METHODS if m != "dense-e5" or "e5" in self.encoders)

    def rank(
        self, query: str, lang: str | None = None, method: str = "hybrid", topic: str | None = None
    ) -> list[tuple[int, float]]:
        """(passage position, score) for every passage of ``lang`` (all languages when None), best first."""
        if method not in self.methods():
            raise ValueError(f"method must be one of {self.methods()}, got {method!r}")
        query = (query or "").strip()
        if not query or not self.passages:
            return []
        languages = LANGUAGES if lang is None else (lang,)
        if lang is not None and lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {LANGUAGES} or None, got {lang!r}")
        dense: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if method.startswith("dense"):
            wanted = [method.partition("-")[2]]
        elif method == "hybrid":  # only the encoders the fusion of these languages uses are run
            wanted = [short for short in self.encoders if any(self.tuning.for_lang(x).uses(short) for x in languages)]
        else:  # bm25: no encoding, the lexical ranking alone
            wanted = []
        for short, vector in self._query_vectors(query, wanted).items():
            dense[short] = self._dense(vector, self.encoders[short][1])
        ranked: list[tuple[int, float]] = []
        for language in languages:
            ranked.extend(self._rank_language(query, language, dense, method, topic))
        ranked.sort(key=lambda item: -item[1])
        return ranked

    # --- public API ----------------------------------------------------------------------------------------------

    def search(
        self, query: str, lang: str | None = None, k: int = 5, method: str = "hybrid", topic: str | None = None
    ) -> list[Hit]:
        """The ``k`` best passages in ``lang`` (every language when None); empty for an empty query. ``topic`` as
        in ``answer``."""
        if k <= 0:
            return []
        ranked = self.rank(query, lang, method, topic=topic)[:k]
        return [Hit.from_passage(self.passages[row], score) for row, score in ranked]

    def threshold(self, lang: str) -> float:
        return self.tuning.thresholds[lang]

    def answer(self, query: str, lang: str, *, topic: str | None = None) -> Answer:
        """Answer from the user's language; from the other language only when nothing in the user's fits and the
        passage's article exists only in that other language.

        ``topic``: the doc_id of the article the previous answer came from; a follow-up question ("how much does
        one cost per month?") then leans towards that article (``topic_boost`` in tuning.json).
        """
        ranked = self.rank(query, lang, topic=topic)
        best = ranked[0][1] if ranked else 0.0
        if ranked and best >= self.threshold(lang):
            return self._answer(ranked, other_language=False)
        # Only articles that have no twin in the user's language may answer from the other language: a question
        # scored against passages of another language ranks them with little real evidence (the rank-based part
        # of the score stays high), so unrestricted, "quel temps fera-t-il demain" found an English letter.
        other = next(language for language in LANGUAGES if language != lang)
        ranked_other = [
            (row, score)
            for row, score in self.rank(query, other, topic=topic)
            if not self.has_document(self.passages[row].doc_id, lang)
        ]
        if ranked_other and ranked_other[0][1] >= self.threshold(other):
            return self._answer(ranked_other, other_language=True)
        return Answer(confident=False, hit=None, score=round(float(max(best, 0.0)), 4))

    def _answer(self, ranked: list[tuple[int, float]], other_language: bool) -> Answer:
        top_row, top_score = ranked[0]
        hit = Hit.from_passage(self.passages[top_row], top_score)
        related: list[Hit] = []
        seen = {hit.doc_id}
        floor = self.threshold(hit.lang) - RELATED_MARGIN
        for row, score in ranked[1:]:
            if len(related) == 2 or score < floor:
                break
            passage = self.passages[row]
            if passage.doc_id in seen:
                continue
            seen.add(passage.doc_id)
            related.append(Hit.from_passage(passage, score))
        return Answer(True, hit, tuple(related), other_language, hit.score, self.linked(hit))

    def linked(self, hit: Hit) -> tuple[Hit, ...]:
        """The opening passage of each other article the text of ``hit`` links to, in its language."""
        return tuple(
            found
            for found in (self.article(doc_id, hit.lang) for doc_id in linked_documents(hit.text))
            if found is not None and found.doc_id != hit.doc_id
        )

    def in_article(self, query: str, lang: str, doc_id: str) -> list[Hit]:
        """The passages of article ``doc_id`` (in ``lang``) as ``query`` ranks them, best first; empty when there
        is no such article. Scored as a follow-up of that article (its topic boost), but among its own passages only:
        "is there a deadline?" right after the feuille de soins."""
        return [
            Hit.from_passage(self.passages[row], score)
            for row, score in self.rank(query, lang, topic=doc_id)
            if self.passages[row].doc_id == doc_id
        ]

    def article(self, doc_id: str, lang: str) -> Hit | None:
        """The opening passage of article ``doc_id`` in ``lang``, None when there is no such article."""
        row = self._first_rows.get((doc_id, lang))
        return None if row is None else Hit.from_passage(self.passages[row], 0.0)  # not scored: linked by the author

    def passage(self, passage_id: str, lang: str) -> Hit | None:
        """The passage with id ``passage_id`` in ``lang`` (not scored), None when there is none."""
        row = self._rows_by_id.get((passage_id, lang))
        return None if row is None else Hit.from_passage(self.passages[row], 0.0)

    def has_document(self, doc_id: str, lang: str) -> bool:
        return doc_id in self._docs_by_lang.get(lang, set())


def _ordered(rows: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
    order = np.argsort(-scores, kind="stable")
    return [(int(rows[i]), float(scores[i])) for i in order]


_retriever: Retriever | None = None
_retriever_lock = threading.Lock()


def reset_retriever() -> None:
    """Forget the process-wide retriever (tests, or after ``python -m bot index`` in a long-lived process)."""
    global _retriever
    with _retriever_lock:
        _retriever = None


def get_retriever(build: bool = True) -> Retriever:
    """The process-wide retriever, loaded on first use from ``get_settings()``.

    With ``build`` a missing or stale index is rebuilt; without it, ``IndexMissingError`` / ``IndexMismatchError``
    (whose messages name the fix) are raised instead — what a server wants at start-up.
    """
    global _retriever
    with _retriever_lock:
        if _retriever is None:
            _retriever = Retriever.from_settings(get_settings(), build=build)
        return _retriever
