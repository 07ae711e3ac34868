"""The knowledge answer action, over a fake retriever (retrieval itself is tested in tests/unit/retrieval)."""

from __future__ import annotations

import pytest

import actions.knowledge as knowledge
from bot.retrieval import Answer, Hit

from .conftest import make_tracker, responses


def hit(doc_id: str, lang: str = "en", questions=("How do I order it?",)) -> Hit:
    return Hit(
        id=f"{doc_id}#section", doc_id=doc_id, lang=lang, title=doc_id.title(), heading="Section",
        title_path=f"{doc_id.title()} › Section", text=f"Passage about {doc_id}.",
        source=f"https://www.ameli.fr/{doc_id}", last_reviewed="2026-11-23", score=0.9, questions=questions,
    )


class FakeRetriever:
    def __init__(self, answer: Answer) -> None:
        self.answer_value = answer
        self.calls: list[tuple] = []

    def answer(self, query, lang, intent=None):
        self.calls.append((query, lang, intent))
        return self.answer_value


@pytest.fixture
def use_retriever(monkeypatch):
    def install(answer: Answer) -> FakeRetriever:
        fake = FakeRetriever(answer)
        monkeypatch.setattr(knowledge, "get_retriever", lambda: fake)
        return fake

    return install


async def test_confident_answer_sends_passage_citation_and_related_buttons(dispatcher, use_retriever):
    fake = use_retriever(Answer(True, hit("carte-vitale"), (hit("ameli-account"), hit("contacts", questions=()))))
    tracker = make_tracker("How do I order my carte vitale?", intent="ask_knowledge", slots={"language": "en"})
    events = await knowledge.ActionAnswerKnowledge().run(dispatcher, tracker, {})

    assert fake.calls == [("How do I order my carte vitale?", "en", "ask_knowledge")]
    assert responses(dispatcher) == ["utter_knowledge_answer", None, "utter_knowledge_related"]
    answer = dispatcher.messages[0]
    assert answer["passage"] == "Passage about carte-vitale." and answer["source_url"] == "https://www.ameli.fr/carte-vitale"
    assert answer["reviewed"] == "2026-11-23" and answer["heading"] == "Carte-Vitale › Section"
    assert dispatcher.messages[1]["custom"]["type"] == "citation"
    assert [b["payload"] for b in dispatcher.messages[2]["buttons"]] == ["How do I order it?", "Contacts"]
    assert events == [{"event": "slot", "timestamp": None, "name": "knowledge_topic", "value": "carte-vitale"}]


async def test_other_language_answer_says_so_first(dispatcher, use_retriever):
    use_retriever(Answer(True, hit("glossary", lang="en"), (), other_language=True))
    tracker = make_tracker("c'est quoi le glossaire", intent="ask_knowledge", slots={"language": "fr"})
    await knowledge.ActionAnswerKnowledge().run(dispatcher, tracker, {})
    assert responses(dispatcher)[:2] == ["utter_knowledge_other_language", "utter_knowledge_answer"]


async def test_below_threshold_says_it_does_not_know(dispatcher, use_retriever):
    use_retriever(Answer(False, hit("carte-vitale"), (), score=0.1))
    tracker = make_tracker("what is the meaning of life", intent="nlu_fallback", slots={"language": "en"})
    events = await knowledge.ActionAnswerKnowledge().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_knowledge_unknown"]
    assert events[0]["name"] == "knowledge_topic" and events[0]["value"] is None


async def test_payload_or_empty_text_is_not_searched(dispatcher, use_retriever):
    fake = use_retriever(Answer(True, hit("carte-vitale")))
    tracker = make_tracker("/ask_knowledge", intent="ask_knowledge", slots={"language": "en"})
    await knowledge.ActionAnswerKnowledge().run(dispatcher, tracker, {})
    assert fake.calls == [] and responses(dispatcher) == ["utter_knowledge_unknown"]


async def test_a_slow_search_does_not_hold_up_other_conversations(dispatcher, use_retriever):
    """The search runs in its own thread: while one question is being encoded, the action server's event loop
    keeps serving the other conversations' calls."""
    import asyncio
    import threading
    import time

    fake = use_retriever(Answer(True, hit("carte-vitale")))
    started, release = threading.Event(), threading.Event()

    def slow_answer(query, lang, intent=None):
        started.set()
        release.wait(timeout=5)
        return fake.answer_value

    fake.answer = slow_answer
    tracker = make_tracker("how do I order my carte vitale?", intent="ask_knowledge", slots={"language": "en"})
    answering = asyncio.ensure_future(knowledge.ActionAnswerKnowledge().run(dispatcher, tracker, {}))
    deadline = time.monotonic() + 5
    while not started.is_set() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)  # the loop runs while the search is under way
    assert started.is_set() and not answering.done()
    release.set()
    events = await answering
    assert events[-1] == {"event": "slot", "timestamp": None, "name": "knowledge_topic", "value": "carte-vitale"}


async def test_articles_the_passage_links_to_come_first_as_buttons_one_per_article(dispatcher, use_retriever):
    answer = Answer(
        True, hit("medecin-traitant"),
        related=(hit("carte-vitale", questions=("How do I update my card?",)), hit("contacts", questions=())),
        linked=(hit("carte-vitale", questions=("What is the Carte Vitale?",)), hit("medecin-traitant"),
                hit("ameli-account", questions=("How do I open an ameli account?",))),
    )
    use_retriever(answer)
    tracker = make_tracker("Do I need a GP?", intent="ask_knowledge", slots={"language": "en"})
    await knowledge.ActionAnswerKnowledge().run(dispatcher, tracker, {})
    buttons = dispatcher.messages[-1]["buttons"]
    # linked articles first (not the answer's own), then related ones not yet offered, three at most
    assert [b["title"] for b in buttons] == ["Carte-Vitale", "Ameli-Account", "Contacts"]
    assert [b["payload"] for b in buttons] == ["What is the Carte Vitale?", "How do I open an ameli account?", "Contacts"]


def in_form(text: str, requested: str, intent: str = "ask_knowledge", loop: str = "enrolment_form"):
    return make_tracker(text, intent=intent, slots={"language": "en", "requested_slot": requested}, active_loop=loop)


@pytest.mark.parametrize(
    ("text", "loop", "requested"),
    [("I am a wizard", "enrolment_form", "situation"), ("je suis sorcier", "enrolment_form", "situation"),
     ("it got eaten by my dog", "file_form", "file_status"), ("a haircut", "cost_form", "care")],
)
async def test_in_a_form_a_statement_with_no_answer_is_an_answer_the_form_did_not_recognise(
        dispatcher, use_retriever, text, loop, requested):
    use_retriever(Answer(False, hit("carte-vitale"), (), score=0.1))
    await knowledge.ActionAnswerKnowledge().run(dispatcher, in_form(text, requested, loop=loop), {})
    assert responses(dispatcher) == [f"utter_{requested}_invalid"]


async def test_in_a_form_a_question_with_no_answer_still_gets_the_contacts(dispatcher, use_retriever):
    use_retriever(Answer(False, hit("carte-vitale"), (), score=0.1))
    await knowledge.ActionAnswerKnowledge().run(dispatcher, in_form("what is the meaning of life?", "situation"), {})
    assert responses(dispatcher) == ["utter_knowledge_unknown"]


async def test_in_a_form_a_statement_the_knowledge_base_answers_is_answered(dispatcher, use_retriever):
    use_retriever(Answer(True, hit("mutuelle")))
    await knowledge.ActionAnswerKnowledge().run(dispatcher, in_form("mutuelle", "situation"), {})
    assert responses(dispatcher)[0] == "utter_knowledge_answer"


async def test_outside_a_form_a_statement_with_no_answer_gets_the_contacts(dispatcher, use_retriever):
    use_retriever(Answer(False, hit("carte-vitale"), (), score=0.1))
    tracker = make_tracker("I am a wizard", intent="ask_knowledge", slots={"language": "en", "requested_slot": None})
    await knowledge.ActionAnswerKnowledge().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_knowledge_unknown"]


def test_every_question_of_every_form_has_its_invalid_answer_response():
    from pathlib import Path

    import yaml

    domain = yaml.safe_load((Path(__file__).resolve().parents[3] / "domain.yml").read_text(encoding="utf-8"))
    asked = {slot for form in domain["forms"].values() for slot in form["required_slots"]}
    assert set(knowledge.ANSWER_READERS) == asked
    for slot in asked:
        texts = domain["responses"][f"utter_{slot}_invalid"]
        # a French variation, and an unconditioned one (English, the default)
        assert {variation.get("condition", [{}])[0].get("value") for variation in texts} == {"fr", None}, slot
