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
import json
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.articles import LANGUAGES
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
            Question(
                str(item["q"]), item["lang"], tuple(str(e) for e in expect), position, str(topic) if topic else None
            )
        )
    return questions


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
        self.hits = self.hits or dict.fromkeys(CUTOFFS, 0)
        self.n += 1
        for cutoff in CUTOFFS:
            self.hits[cutoff] += rank is not None and rank <= cutoff
        self.reciprocal += 1.0 / rank if rank else 0.0

    def recall(self, cutoff: int) -> float:
        return self.hits[cutoff] / self.n if self.n and self.hits is not None else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal / self.n if self.n else 0.0


def evaluate(
    retriever: Retriever, questions: list[Question], methods: tuple[str, ...] | None = None
) -> dict[tuple[str, str], Scores]:
    """Scores per (language, method) over the answerable questions (follow-ups with their topic)."""
    methods = methods or retriever.methods()
    table: dict[tuple[str, str], Scores] = {}
    for question in questions:
        if not question.answerable:
            continue
        for method in methods:
            ranked = retriever.rank(question.q, question.lang, method, topic=question.topic)
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


def method_label(retriever: Retriever, method: str) -> str:
    """Which encoders a method runs: ``dense`` is EMBEDDING_MODEL, ``dense-e5`` the second encoder."""
    names = {short: encoder.name for short, (encoder, _) in retriever.encoders.items()}
    if method == "bm25":
        return "none (spaCy lemmas)"
    if method.startswith("dense"):
        return names[method.partition("-")[2]]
    used = [names[short] for short in names if any(retriever.tuning.for_lang(x).uses(short) for x in LANGUAGES)]
    return " + ".join(used) + " + BM25"


# --- confidence threshold ---------------------------------------------------------------------------------------

#: What a confident wrong answer costs against a refusal (0) and a right answer (+1): on health insurance a wrong
#: passage given with confidence costs the user more than "I don't know, ask 36 46".
WRONG_COST = 3.0


@dataclass(frozen=True)
class Decision:
    score: float  # best hybrid score in the question's language
    answerable: bool
    correct: bool  # the top passage is relevant


def decisions(retriever: Retriever, questions: list[Question]) -> dict[str, list[Decision]]:
    by_lang: dict[str, list[Decision]] = {lang: [] for lang in LANGUAGES}
    for question in questions:
        ranked = retriever.rank(question.q, question.lang, topic=question.topic)
        score = ranked[0][1] if ranked else 0.0
        correct = first_relevant_rank(question, ranked[:1], retriever) == 1
        by_lang[question.lang].append(Decision(score, question.answerable, correct))
    return by_lang


def utility(items: list[Decision], threshold: float, wrong_cost: float = WRONG_COST) -> float:
    """+1 for a right answer or a right refusal of an out-of-scope question, −``wrong_cost`` for a wrong answer
    (a wrong best passage, or an answered out-of-scope question), 0 for refusing an answerable question.

    A refusal of an answerable question loses the +1 but costs nothing more: the assistant then offers its
    fallback (rephrase, contact the CPAM, 36 46), which is better than a confident wrong answer.
    """
    total = 0.0
    for item in items:
        if item.score >= threshold:
            total += 1 if (item.answerable and item.correct) else -wrong_cost
        elif not item.answerable:
            total += 1
    return total


def best_threshold(items: list[Decision], wrong_cost: float = WRONG_COST) -> float:
    """The threshold with the best utility; ties go to the middle of the best interval (a margin on both sides)."""
    if not items:
        return 0.5
    candidates = sorted({round(item.score, 4) for item in items})
    cuts = [candidates[0] - 0.01] + [(a + b) / 2 for a, b in pairwise(candidates)] + [candidates[-1] + 0.01]
    values = [utility(items, cut, wrong_cost) for cut in cuts]
    best = max(values)
    best_cuts = [cut for cut, value in zip(cuts, values, strict=True) if value == best]
    return round((best_cuts[0] + best_cuts[-1]) / 2, 4) if len(best_cuts) > 1 else round(best_cuts[0], 4)


def outcome(items: list[Decision], threshold: float) -> dict[str, int]:
    answerable = [i for i in items if i.answerable]
    out_of_scope = [i for i in items if not i.answerable]
    return {
        "answerable": len(answerable),
        "right": sum(i.score >= threshold and i.correct for i in answerable),
        "wrong": sum(i.score >= threshold and not i.correct for i in answerable),
        "refused": sum(i.score < threshold for i in answerable),
        "out_of_scope": len(out_of_scope),
        "ood_refused": sum(i.score < threshold for i in out_of_scope),
        "ood_answered": sum(i.score >= threshold for i in out_of_scope),
    }


def threshold_report(by_lang: dict[str, list[Decision]], thresholds: dict[str, float], title: str = "") -> str:
    lines = [
        f"### Confidence threshold (hybrid score of the best passage){title}",
        "",
        "| lang | threshold | answerable | answered right | answered wrong | refused | out of scope | "
        "answered (out of scope) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for lang, items in by_lang.items():
        if not items:
            continue
        o = outcome(items, thresholds[lang])
        n = o["answerable"] or 1
        lines.append(
            f"| {lang} | {thresholds[lang]:.3f} | {o['answerable']} | {o['right']} ({o['right'] / n:.1%}) "
            f"| {o['wrong']} ({o['wrong'] / n:.1%}) | {o['refused']} ({o['refused'] / n:.1%}) "
            f"| {o['out_of_scope']} | {o['ood_answered']} |"
        )
    return "\n".join(lines)


# --- fusion parameters ------------------------------------------------------------------------------------------

#: Coordinate search space: each parameter in turn takes the value that is best on the dev half, the others fixed.
SEARCH = {
    "alpha": (0.1, 0.2, 0.3, 0.5),
    "rrf_k": (5.0, 10.0, 30.0, 60.0),
    "dense_mix": (0.0, 0.25, 0.5, 0.75, 1.0),
    "intro_bias": (-0.03, 0.0, 0.03),
    "weights.passage": (0.0, 1.0, 2.0),
    "weights.question": (0.0, 1.0, 2.0),
    "weights.e5_passage": (0.0, 1.0, 2.0, 3.0),
    "weights.e5_question": (0.0, 1.0, 2.0, 3.0),
    "weights.bm25": (0.0, 1.0, 2.0),
    "weights.chargram": (0.0, 1.0),
    "weights.static": (0.0, 1.0),
}
TOPIC_BOOSTS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3)


def _with(fusion: Fusion, key: str, value: float) -> Fusion:
    if key.startswith("weights."):
        return replace(fusion, weights={**fusion.weights, key.partition(".")[2]: value})
    # Every other key of SEARCH names one of Fusion's float fields.
    scalar: dict[str, Any] = {key: value}
    return replace(fusion, **scalar)


def _objective(retriever: Retriever, questions: list[Question], lang: str) -> tuple[float, ...]:
    scores = evaluate(retriever, questions, ("hybrid",)).get((lang, "hybrid"))
    if scores is None:
        return (0.0,)
    return (round(scores.recall(1), 4), round(scores.mrr, 4), round(scores.recall(3), 4))


def tune(retriever: Retriever, questions: list[Question], rounds: int = 2) -> tuple[Tuning, str]:
    """Per language, on the dev half: a coordinate search of the fusion (R@1, then MRR, then R@3) from the current
    values, the follow-up boost (follow-ups right, other questions asked after another article not hurt), then
    the threshold (wrong answers cost WRONG_COST)."""
    dev = [q for q in questions if q.split == "dev"]
    original = retriever.tuning
    has_e5 = "e5" in retriever.encoders
    fusion: dict[str, Fusion] = {}
    notes = []
    for lang in LANGUAGES:
        dev_lang = [q for q in dev if q.lang == lang and not q.follow_up]
        best = original.for_lang(lang)
        if not has_e5:
            best = replace(best, dense_mix=0.0, weights={**best.weights, "e5_passage": 0.0, "e5_question": 0.0})

        def score(candidate: Fusion, lang: str = lang, dev_lang: list[Question] = dev_lang) -> tuple[float, ...]:
            retriever.tuning = Tuning(original.thresholds, {**original.fusion, **fusion, lang: candidate})
            return _objective(retriever, dev_lang, lang)

        best_key = score(best)
        for _ in range(rounds):
            changed = False
            for key, values in SEARCH.items():
                if not has_e5 and ("e5" in key or key == "dense_mix"):
                    continue
                for value in values:
                    candidate = _with(best, key, value)
                    if candidate == best or not any(candidate.weights.values()):
                        continue
                    candidate_key = score(candidate)
                    if candidate_key > best_key:
                        best, best_key, changed = candidate, candidate_key, True
            if not changed:
                break
        best = _tune_topic(retriever, original, fusion, lang, best, questions)
        fusion[lang] = best
        notes.append(f"{lang}: dev R@1={best_key[0]} MRR={best_key[1]} R@3={best_key[-1]}")
    retriever.tuning = Tuning(original.thresholds, fusion)
    by_lang = decisions(retriever, list(dev))
    tuned = Tuning({lang: best_threshold(items) for lang, items in by_lang.items()}, fusion, retriever.encoder.name)
    retriever.tuning = tuned
    return tuned, f"fusion and thresholds chosen on the dev half ({len(dev)} questions); " + "; ".join(notes)


def topic_switches(questions: list[Question]) -> list[Question]:
    """Each answerable non-follow-up question asked right after an answer from another article (the previous
    question's): what a topic prior must not break."""
    plain = [q for q in questions if q.answerable and not q.follow_up]
    switched = []
    for previous, question in pairwise(plain):
        topic = previous.expect[0].partition("#")[0]
        if previous.lang == question.lang and topic not in {e.partition("#")[0] for e in question.expect}:
            switched.append(replace(question, topic=topic))
    return switched


def _tune_topic(
    retriever: Retriever,
    original: Tuning,
    fusion: dict[str, Fusion],
    lang: str,
    best: Fusion,
    questions: list[Question],
) -> Fusion:
    # Few follow-ups exist, so the boost is chosen on all of them and checked on every topic switch: the largest
    # boost that does not lower R@1 of the switches below the boost-free value, and is best on the follow-ups.
    follow = [q for q in questions if q.follow_up and q.lang == lang]
    switches = [q for q in topic_switches(questions) if q.lang == lang]
    if not follow:
        return best
    results = []
    for boost in TOPIC_BOOSTS:
        candidate = replace(best, topic_boost=boost)
        retriever.tuning = Tuning(original.thresholds, {**original.fusion, **fusion, lang: candidate})
        results.append((boost, _objective(retriever, follow, lang), _objective(retriever, switches, lang)[0]))
    floor = results[0][2]
    allowed = [r for r in results if r[2] >= floor]
    return replace(best, topic_boost=max(allowed, key=lambda r: (r[1], -r[0]))[0])


def write_tuning(
    tuning: Tuning,
    eval_set: Path,
    note: str,
    model: str,
    path: Path = TUNING_FILE,
    second_encoders: list[str] | None = None,
) -> None:
    data: dict = {"model": model, "second_encoders": list(second_encoders or [])}
    data |= {lang: {"threshold": tuning.thresholds[lang], **tuning.for_lang(lang).to_json()} for lang in LANGUAGES}
    data.update(
        {
            "note": note,
            "eval_set": eval_set.as_posix(),
            "tuned_on": dt.date.today().isoformat(),
            "wrong_answer_cost": WRONG_COST,
        }
    )
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
