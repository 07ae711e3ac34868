"""The held-out eval set stays valid and independent; metrics and threshold tuning behave as documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.retrieval.evaluation import (
    Decision, Question, Scores, best_threshold, close_to_examples, first_relevant_rank, load_questions,
    unknown_targets, utility,
)
from bot.retrieval.passages import load_passages
from bot.settings import PROJECT_ROOT

EVAL_SET = PROJECT_ROOT / "tests" / "eval" / "retrieval_questions.yml"
KNOWLEDGE = PROJECT_ROOT / "knowledge"


@pytest.fixture(scope="module")
def eval_set():
    return load_questions(EVAL_SET)


def test_eval_set_is_large_enough_and_half_french(eval_set):
    answerable = [q for q in eval_set if q.answerable]
    french = [q for q in answerable if q.lang == "fr"]
    assert len(answerable) >= 150
    assert 0.45 <= len(french) / len(answerable) <= 0.55
    assert {q.lang for q in eval_set if not q.answerable} == {"en", "fr"}  # out-of-scope questions for the threshold


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
        Decision(0.9, True, True), Decision(0.85, True, True), Decision(0.8, True, True),
        Decision(0.6, True, False),  # a wrong best passage: better refused
        Decision(0.55, False, False), Decision(0.5, False, False),  # out of scope
    ]
    threshold = best_threshold(items)
    assert 0.6 < threshold <= 0.8
    assert utility(items, threshold) == 5  # 3 right answers + 2 right refusals; the refused wrong one scores 0
    assert utility(items, 0.0) < utility(items, threshold)
