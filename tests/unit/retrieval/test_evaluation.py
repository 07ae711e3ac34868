"""The held-out eval set stays valid and independent; metrics and threshold tuning behave as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.retrieval.evaluation import (
    Decision,
    Question,
    Scores,
    best_threshold,
    first_relevant_rank,
    load_questions,
    unknown_targets,
    utility,
)
from bot.retrieval.passages import Passage, load_passages
from bot.settings import PROJECT_ROOT
from bot.text import fold_ascii

EVAL_SET = PROJECT_ROOT / "tests" / "eval" / "retrieval_questions.yml"
KNOWLEDGE = PROJECT_ROOT / "knowledge"


@pytest.fixture(scope="module")
def eval_set():
    return load_questions(EVAL_SET)


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", fold_ascii(text)))


def close_to_examples(questions: list[Question], passages: list[Passage], limit: float = 0.6) -> list[str]:
    """Eval questions whose words overlap an article's own example question too much (Jaccard ≥ ``limit``).

    The set must test paraphrases, not the questions the index already contains. A check of the eval set (test
    data), so it lives with its tests.
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


def test_eval_set_is_large_enough_and_half_french(eval_set):
    answerable = [q for q in eval_set if q.answerable and not q.follow_up]
    for lang in ("en", "fr"):
        assert sum(q.lang == lang for q in answerable) >= 160, lang
    out_of_scope = [q for q in eval_set if not q.answerable]
    assert len(out_of_scope) >= 30
    assert {q.lang for q in out_of_scope} == {"en", "fr"}  # out-of-scope questions for the threshold
    # follow-ups (asked after an answer from ``topic``) exist in both languages, each with an answer
    assert {q.lang for q in eval_set if q.follow_up and q.answerable} == {"en", "fr"}


def test_eval_set_halves_mix_both_languages_and_kinds(eval_set):
    for split in ("dev", "test"):
        half = [q for q in eval_set if q.split == split]
        assert {q.lang for q in half if q.answerable} == {"en", "fr"}
        assert sum(not q.answerable for q in half) >= 10, split


def test_follow_up_topic_is_read_and_checked(tmp_path: Path, kb_settings):
    path = tmp_path / "set.yml"
    path.write_text(
        "- {q: 'and if I lose it?', lang: en, topic: carte-vitale, expect: [carte-vitale]}\n"
        "- {q: 'and then?', lang: en, topic: no-such-article, expect: [carte-vitale]}\n",
        encoding="utf-8",
    )
    questions = load_questions(path)
    assert questions[0].topic == "carte-vitale" and questions[0].follow_up
    assert unknown_targets(questions, load_passages(kb_settings.knowledge_dir)) == ["en:no-such-article"]


def test_eval_set_names_only_existing_passages(eval_set):
    passages = load_passages(KNOWLEDGE)
    assert unknown_targets(eval_set, passages) == []


def test_eval_questions_are_not_copies_of_the_articles_example_questions(eval_set):
    assert close_to_examples(eval_set, load_passages(KNOWLEDGE)) == []


def test_close_to_examples_catches_a_reworded_copy(kb_settings):
    passages = load_passages(kb_settings.knowledge_dir)
    copy = Question("how do I register with a GP", "en", ("medecin-traitant",), 0)
    fresh = Question("I need a regular family doctor, what paperwork?", "en", ("medecin-traitant",), 1)
    assert len(close_to_examples([copy, fresh], passages)) == 1


def test_malformed_eval_item_is_reported(tmp_path: Path):
    path = tmp_path / "set.yml"
    path.write_text("- {q: 'hello', lang: de, expect: []}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="item 1"):
        load_questions(path)


def test_relevance_counts_passage_or_document(retriever):
    ranked = retriever.rank("Puis-je changer de médecin traitant ?", "fr")
    by_passage = Question("x", "fr", ("medecin-traitant#declarer-son-medecin",), 0)
    by_document = Question("x", "fr", ("carte-vitale",), 0)
    assert first_relevant_rank(by_passage, ranked, retriever) == 1
    position = first_relevant_rank(by_document, ranked, retriever)
    assert position is not None and retriever.passages[ranked[position - 1][0]].doc_id == "carte-vitale"


def test_scores_recall_and_mrr():
    scores = Scores()
    for rank in (1, 2, 4, None):
        scores.add(rank)
    assert scores.recall(1) == 0.25 and scores.recall(3) == 0.5
    assert scores.mrr == pytest.approx((1 + 0.5 + 0.25) / 4)


def test_threshold_separates_right_answers_from_out_of_scope_and_wrong_ones():
    items = [
        Decision(0.9, True, True),
        Decision(0.85, True, True),
        Decision(0.8, True, True),
        Decision(0.6, True, False),  # a wrong best passage: better refused
        Decision(0.55, False, False),
        Decision(0.5, False, False),  # out of scope
    ]
    threshold = best_threshold(items)
    assert 0.6 < threshold <= 0.8
    assert utility(items, threshold) == 5  # 3 right answers + 2 right refusals; the refused wrong one scores 0
    assert utility(items, 0.0) < utility(items, threshold)
