"""Retrieval quality on a held-out question set, and tuning of the fusion and the confidence threshold.

Eval-set format (YAML): a list of ``{q: "...", lang: en|fr, expect: [doc-id or passage-id, ...]}``. A retrieved
passage is relevant when its passage id is listed, or when its document id is listed (the set mixes both
granularities; passage ids are used where one section clearly holds the answer). ``expect: []`` marks a question the
knowledge base must *not* answer: those only serve the threshold.

Tuning is honest about the held-out part: parameters are chosen on the *dev* half (even positions in the file) and
the report shows the full set and the *test* half (odd positions) separately.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.knowledge import LANGUAGES
from bot.retrieval.passages import Passage
from bot.retrieval.retriever import METHODS, TUNING_FILE, Fusion, Retriever, Tuning

CUTOFFS = (1, 3)


@dataclass(frozen=True)
class Question:
    q: str
    lang: str
    expect: tuple[str, ...]
    position: int
    topic: str | None = None  # follow-up question: the article the previous answer came from

    @property
    def follow_up(self) -> bool:
        return self.topic is not None

    @property
    def answerable(self) -> bool:
        return bool(self.expect)

    @property
    def split(self) -> str:
        return "dev" if self.position % 2 == 0 else "test"


class EvalSetError(ValueError):
    """The eval set is malformed or names passages that do not exist."""


def load_questions(path: Path) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise EvalSetError(f"{path}: expected a list of questions")
    questions = []
    for position, item in enumerate(data):
        if not isinstance(item, dict) or not str(item.get("q", "")).strip() or item.get("lang") not in LANGUAGES:
            raise EvalSetError(f"{path}: item {position + 1} needs q, lang (en|fr) and expect: {item!r}")
        expect = item.get("expect") or []
        topic = item.get("topic")
        questions.append(
            Question(str(item["q"]), item["lang"], tuple(str(e) for e in expect), position, str(topic) if topic else None)
        )
    return questions


def _words(text: str) -> frozenset[str]:
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode("ascii")
    return frozenset(re.findall(r"[a-z0-9]+", folded))


def close_to_examples(questions: list[Question], passages: list[Passage], limit: float = 0.6) -> list[str]:
    """Eval questions whose words overlap an article's own example question too much (Jaccard ≥ ``limit``).

    The set must test paraphrases, not the questions the index already contains.
    """
    examples = [(p.lang, q, _words(q)) for p in passages for q in p.questions]
    close = []
    for question in questions:
        words = _words(question.q)
        for lang, example, example_words in examples:
            union = words | example_words
            if lang == question.lang and union and len(words & example_words) / len(union) >= limit:
                close.append(f"{question.q!r} ~ {example!r}")
    return close


def unknown_targets(questions: list[Question], passages: list[Passage]) -> list[str]:
    """Expected ids (and follow-up topics) that match no passage or document in the question's language."""
    known = {(p.lang, p.id) for p in passages} | {(p.lang, p.doc_id) for p in passages}
    wanted = {(q.lang, e) for q in questions for e in q.expect} | {(q.lang, q.topic) for q in questions if q.topic}
    return sorted(f"{lang}:{e}" for lang, e in wanted if (lang, e) not in known)


def first_relevant_rank(question: Question, ranked: list[tuple[int, float]], retriever: Retriever) -> int | None:
    for rank, (row, _) in enumerate(ranked, start=1):
        passage = retriever.passages[row]
        if passage.id in question.expect or passage.doc_id in question.expect:
            return rank
    return None


@dataclass
class Scores:
    n: int = 0
    hits: dict[int, int] | None = None
    reciprocal: float = 0.0

    def add(self, rank: int | None) -> None:
        self.hits = self.hits or {cutoff: 0 for cutoff in CUTOFFS}
        self.n += 1
        for cutoff in CUTOFFS:
            self.hits[cutoff] += rank is not None and rank <= cutoff
        self.reciprocal += 1.0 / rank if rank else 0.0

    def recall(self, cutoff: int) -> float:
        return self.hits[cutoff] / self.n if self.n else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal / self.n if self.n else 0.0


def evaluate(
    retriever: Retriever, questions: list[Question], methods: tuple[str, ...] = METHODS
) -> dict[tuple[str, str], Scores]:
    """Scores per (language, method) over the answerable questions."""
    table: dict[tuple[str, str], Scores] = {}
    for question in questions:
        if not question.answerable:
            continue
        for method in methods:
            ranked = retriever.rank(question.q, question.lang, method)
            table.setdefault((question.lang, method), Scores()).add(first_relevant_rank(question, ranked, retriever))
    return table


def format_table(table: dict[tuple[str, str], Scores], title: str) -> str:
    lines = [f"### {title}", "", "| lang | method | n | R@1 | R@3 | MRR |", "|---|---|---|---|---|---|"]
    for lang in LANGUAGES:
        for method in METHODS:
            scores = table.get((lang, method))
            if scores and scores.n:
                lines.append(
                    f"| {lang} | {method} | {scores.n} | {scores.recall(1):.3f} | {scores.recall(3):.3f} "
                    f"| {scores.mrr:.3f} |"
                )
    return "\n".join(lines)


# --- confidence threshold ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    score: float  # best hybrid score in the question's language
    answerable: bool
    correct: bool  # the top passage is relevant


def decisions(retriever: Retriever, questions: list[Question]) -> dict[str, list[Decision]]:
    by_lang: dict[str, list[Decision]] = {lang: [] for lang in LANGUAGES}
    for question in questions:
        ranked = retriever.rank(question.q, question.lang)
        score = ranked[0][1] if ranked else 0.0
        correct = first_relevant_rank(question, ranked[:1], retriever) == 1
        by_lang[question.lang].append(Decision(score, question.answerable, correct))
    return by_lang


def utility(items: list[Decision], threshold: float) -> float:
    """+1 for a right answer or a right refusal of an out-of-scope question, −1 for a wrong answer, 0 otherwise.

    A refusal of an answerable question costs nothing here but loses the +1: the assistant then offers its
    fallback (rephrase, contact the CPAM), which is better than a confident wrong answer.
    """
    total = 0.0
    for item in items:
        if item.score >= threshold:
            total += 1 if (item.answerable and item.correct) else -1
        elif not item.answerable:
            total += 1
    return total


def best_threshold(items: list[Decision]) -> float:
    """The threshold with the best utility; ties go to the middle of the best interval (a margin on both sides)."""
    if not items:
        return 0.5
    candidates = sorted({round(item.score, 4) for item in items})
    cuts = [candidates[0] - 0.01] + [(a + b) / 2 for a, b in zip(candidates, candidates[1:])] + [candidates[-1] + 0.01]
    values = [utility(items, cut) for cut in cuts]
    best = max(values)
    best_cuts = [cut for cut, value in zip(cuts, values) if value == best]
    return round((best_cuts[0] + best_cuts[-1]) / 2, 4) if len(best_cuts) > 1 else round(best_cuts[0], 4)


def threshold_report(by_lang: dict[str, list[Decision]], thresholds: dict[str, float]) -> str:
    lines = [
        "### Confidence threshold (hybrid score of the best passage)",
        "",
        "| lang | threshold | answered right | answered wrong | refused (answerable) | refused (out of scope) "
        "| answered (out of scope) |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang, items in by_lang.items():
        if not items:
            continue
        t = thresholds[lang]
        right = sum(i.score >= t and i.answerable and i.correct for i in items)
        wrong = sum(i.score >= t and i.answerable and not i.correct for i in items)
        refused = sum(i.score < t and i.answerable for i in items)
        ood_refused = sum(i.score < t and not i.answerable for i in items)
        ood_answered = sum(i.score >= t and not i.answerable for i in items)
        lines.append(f"| {lang} | {t:.3f} | {right} | {wrong} | {refused} | {ood_refused} | {ood_answered} |")
    return "\n".join(lines)


# --- fusion parameters ------------------------------------------------------------------------------------------

ALPHAS = (0.2, 0.3, 0.5)
RRF_KS = (5, 10, 30)
WEIGHTS = tuple(
    {"passage": 1.0, "question": question, "bm25": bm25, "chargram": chargram, "static": static}
    for question, bm25, chargram, static in itertools.product((1.0, 2.0), (1.0, 2.0), (0.0, 1.0), (0.0, 1.0))
)


def tune(retriever: Retriever, questions: list[Question]) -> tuple[Tuning, str]:
    """Per language, grid-search the fusion on the dev half (R@3, then MRR), then the threshold."""
    dev = [q for q in questions if q.split == "dev"]
    original = retriever.tuning
    fusion: dict[str, Fusion] = {}
    notes = []
    for lang in LANGUAGES:
        dev_lang = [q for q in dev if q.lang == lang]
        best_key, best = None, original.for_lang(lang)
        for alpha, rrf_k, weights in itertools.product(ALPHAS, RRF_KS, WEIGHTS):
            candidate = Fusion(alpha=alpha, rrf_k=rrf_k, weights=weights)
            retriever.tuning = Tuning(original.thresholds, {**original.fusion, lang: candidate})
            scores = evaluate(retriever, dev_lang, ("hybrid",)).get((lang, "hybrid"))
            if scores is None:
                break
            key = (round(scores.recall(3), 4), round(scores.mrr, 4), round(scores.recall(1), 4))
            if best_key is None or key > best_key:
                best_key, best = key, candidate
        fusion[lang] = best
        notes.append(f"{lang}: dev R@3={best_key[0] if best_key else None} MRR={best_key[1] if best_key else None}")
    retriever.tuning = Tuning(original.thresholds, fusion)
    by_lang = decisions(retriever, dev)
    tuned = Tuning({lang: best_threshold(items) for lang, items in by_lang.items()}, fusion, retriever.encoder.name)
    retriever.tuning = tuned
    return tuned, f"fusion and thresholds chosen on the dev half ({len(dev)} questions); " + "; ".join(notes)


def write_tuning(tuning: Tuning, eval_set: Path, note: str, model: str, path: Path = TUNING_FILE) -> None:
    data: dict = {"model": model}
    data |= {
        lang: {"threshold": tuning.thresholds[lang], **tuning.for_lang(lang).to_json()} for lang in LANGUAGES
    }
    data.update({"note": note, "eval_set": eval_set.as_posix(), "tuned_on": dt.date.today().isoformat()})
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
