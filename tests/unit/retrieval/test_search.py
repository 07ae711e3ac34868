"""Search and answer behaviour users depend on: language, ranking, k, empty queries, the threshold."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot.retrieval.lexical import analyse_many, analyse_query
from bot.retrieval.retriever import Retriever, Tuning

#: Thresholds for the mechanism tests: well between the scores of clear matches and of unrelated questions on the
#: fixture knowledge base (the production values come from tuning.json and are checked by `make eval`).
FIXED = {"en": 0.7, "fr": 0.7}


def with_thresholds(retriever: Retriever, thresholds: dict[str, float]) -> Retriever:
    """The production fusion (tuning.json) with thresholds fixed for the test."""
    return Retriever(retriever.index, retriever.encoder, replace(retriever.tuning, thresholds=thresholds))


@pytest.mark.parametrize("query", ["", "   ", "\n"])
def test_empty_query_finds_nothing_and_is_not_answered(retriever, query):
    assert retriever.search(query) == []
    answer = retriever.answer(query, "en")
    assert not answer.confident and answer.hit is None and answer.score == 0.0


def test_k_larger_than_the_index_returns_every_passage_once(retriever):
    hits = retriever.search("card", lang="fr", k=100)
    assert sorted(h.id for h in hits) == sorted(p.id for p in retriever.passages if p.lang == "fr")
    assert len(retriever.search("card", k=100)) == len(retriever.passages)
    assert retriever.search("card", k=0) == []


def test_scores_are_sorted_and_lang_filters(retriever):
    hits = retriever.search("Comment changer de médecin traitant ?", lang="fr", k=5)
    assert all(h.lang == "fr" for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_french_question_finds_the_french_passage(retriever):
    hits = retriever.search("je voudrais changer de généraliste, c'est possible ?", lang="fr", k=1)
    assert hits[0].id == "medecin-traitant#declarer-son-medecin" and hits[0].lang == "fr"
    hits = retriever.search("pourquoi on m'a rembourse que 30%", lang="fr", k=1)  # no accents, different words
    assert hits[0].id == "medecin-traitant#remboursement-sans-medecin-traitant-declare"


def test_english_question_finds_the_english_passage(retriever):
    hits = retriever.search("where do I refresh my vitale card every year?", lang="en", k=1)
    assert hits[0].id == "carte-vitale#updating-your-card"


@pytest.mark.parametrize("method", ["bm25", "dense", "hybrid"])
def test_every_method_ranks_an_obvious_match_first(retriever, method):
    hits = retriever.search("update the Carte Vitale in a pharmacy", lang="en", k=3, method=method)
    assert hits and hits[0].id == "carte-vitale#updating-your-card"


def test_bm25_ignores_passages_without_a_shared_term(retriever):
    assert retriever.search("zzzqx blorf", lang="en", method="bm25") == []


def test_confident_answer_with_related_passages_from_other_articles(retriever):
    answer = with_thresholds(retriever, {"en": 0.3, "fr": 0.3}).answer("How do I register with a GP?", "en")
    assert answer.confident and not answer.other_language
    assert answer.hit.id == "medecin-traitant#declaring-your-doctor"
    assert answer.score == answer.hit.score
    assert len(answer.related) <= 2
    assert all(h.doc_id != answer.hit.doc_id and h.lang == "en" for h in answer.related)
    assert len({h.doc_id for h in answer.related}) == len(answer.related)
    # The passage links to the Carte Vitale article: its opening passage comes with the answer, to offer as a button.
    opening = next(p.id for p in retriever.passages if (p.doc_id, p.lang) == ("carte-vitale", "en"))
    assert [(h.id, h.title) for h in answer.linked] == [(opening, "The Carte Vitale")]


@pytest.mark.parametrize(
    ("query", "lang"), [("how much does a pizza cost in Naples", "en"), ("recette de la tarte aux pommes", "fr")]
)
def test_below_the_threshold_the_assistant_does_not_answer(retriever, query, lang):
    answer = with_thresholds(retriever, FIXED).answer(query, lang)
    assert not answer.confident and answer.hit is None and answer.related == ()
    assert 0 < answer.score < FIXED[lang]


def test_french_question_on_an_english_only_topic_says_so(retriever):
    answer = with_thresholds(retriever, FIXED).answer("la CEAM pour un séjour en Europe", "fr")
    assert answer.confident and answer.other_language
    assert answer.hit.doc_id == "ehic" and answer.hit.lang == "en"


def test_same_language_is_preferred_when_both_exist(retriever):
    answer = with_thresholds(retriever, FIXED).answer("Puis-je changer de médecin traitant ?", "fr")
    assert answer.confident and not answer.other_language and answer.hit.lang == "fr"


def test_threshold_override_applies_to_both_languages():
    tuning = Tuning.load(override=0.42)
    assert tuning.thresholds == {"en": 0.42, "fr": 0.42}
    default = Tuning.load()
    assert all(0 < value < 1 for value in default.thresholds.values())
    assert all(0 <= default.for_lang(lang).alpha <= 1 for lang in ("en", "fr"))


def test_hit_to_dict_is_json_ready(retriever):
    hit = retriever.search("Carte Vitale", lang="en", k=1)[0]
    data = json.loads(json.dumps(hit.to_dict()))
    assert {"id", "lang", "title", "text", "source", "score", "title_path", "last_reviewed"} <= set(data)
    assert data["source"].startswith("https://")


def test_unknown_language_is_an_error(retriever):
    with pytest.raises(ValueError, match="lang"):
        retriever.search("hello", lang="de")


def test_lexical_terms_are_lemmas_without_accents_or_stop_words():
    def terms(text: str, lang: str) -> list[str]:
        """The BM25 terms of a query (the search), which are those of the same text in the index (its build)."""
        query, _ = analyse_query(text, lang)
        assert analyse_many([text], lang)[0] == [query]
        return query

    assert terms("Les remboursements des lunettes", "fr") == ["remboursement", "lunette"]
    assert "rembourser" in terms("J'ai été remboursé", "fr")
    assert terms("I moved and got reimbursements", "en") == ["move", "get", "reimbursement"]


def test_other_language_never_answers_for_an_article_that_has_a_twin(retriever):
    # Every medecin-traitant / carte-vitale passage has a French twin: even with a French threshold nobody reaches,
    # the English passages must not be offered to a French user.
    strict = with_thresholds(retriever, {"en": 0.3, "fr": 1.01})
    answer = strict.answer("Puis-je changer de médecin traitant ?", "fr")
    assert strict.search("Puis-je changer de médecin traitant ?", "en", k=1)[0].doc_id == "medecin-traitant"
    # Only the English-only article may stand in (it has no French twin); the médecin traitant passages may not.
    assert not answer.confident or (answer.other_language and answer.hit.doc_id == "ehic")


def test_in_article_ranks_only_that_articles_passages(retriever):
    """What a follow-up that would repeat the passage just shown gets instead (actions/answer_first.py)."""
    shown = "carte-vitale#ordering-your-card"
    ranked = retriever.in_article("and if I move house?", "en", "carte-vitale")
    found = next(hit for hit in ranked if hit.id != shown)
    assert found is not None and found.doc_id == "carte-vitale" and found.lang == "en" and found.id != shown
    assert all(hit.doc_id == "carte-vitale" and hit.lang == "en" for hit in ranked)
    best = retriever.in_article("how do I order the card?", "en", "carte-vitale")[0]
    assert best is not None and best.id == shown
    assert retriever.in_article("and if I move house?", "en", "no-such-article") == []
    # The EHIC article has one passage: once it is left aside there is nothing else to give.
    (ehic,) = [p.id for p in retriever.passages if (p.doc_id, p.lang) == ("ehic", "en")]
    assert [hit.id for hit in retriever.in_article("the card", "en", "ehic")] == [ehic]
    assert retriever.passage(ehic, "en").id == ehic and retriever.passage(ehic, "fr") is None
