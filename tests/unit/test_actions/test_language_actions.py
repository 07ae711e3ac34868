import pytest

from actions.answer_first import ActionAnswerFirst
from actions.extract import ActionReadMessage

from .conftest import make_tracker, responses


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def test_detect_language_sets_french_for_a_french_question(dispatcher):
    tracker = make_tracker("Comment déclarer mon médecin traitant ?", intent="ask_knowledge")
    events = await ActionReadMessage().run(dispatcher, tracker, {})
    assert {k: slot_events(events)[k] for k in ("language", "language_pinned")} == {
        "language": "fr",
        "language_pinned": False,
    }
    assert dispatcher.messages == []


async def test_explicit_switch_pins_the_language(dispatcher):
    tracker = make_tracker(
        "in English please",
        intent="switch_language",
        entities=[{"entity": "language", "value": "en"}],
        slots={"language": "fr"},
    )
    events = await ActionReadMessage().run(dispatcher, tracker, {})
    assert slot_events(events) == {"language": "en", "language_pinned": True}


async def test_language_entity_outside_a_switch_is_not_an_explicit_request(dispatcher):
    tracker = make_tracker(
        "I speak French badly, can you help me with my carte vitale?",
        intent="ask_knowledge",
        entities=[{"entity": "language", "value": "fr"}],
        slots={"language": "en"},
    )
    events = await ActionReadMessage().run(dispatcher, tracker, {})
    assert slot_events(events)["language"] == "en"


async def test_metadata_hint_is_used(dispatcher):
    tracker = make_tracker("hello", intent="greet", metadata={"language": "fr"})
    assert slot_events(await ActionReadMessage().run(dispatcher, tracker, {}))["language"] == "fr"


async def test_button_payloads_do_not_change_the_language(dispatcher):
    tracker = make_tracker('/inform{"situation": "student"}', intent="inform", slots={"language": "fr"})
    assert slot_events(await ActionReadMessage().run(dispatcher, tracker, {}))["language"] == "fr"


@pytest.mark.parametrize(
    "text, entities, expected",
    [
        ("in French please", [{"entity": "language", "value": "fr"}], "utter_language_switched"),
        ("parle-moi en français", [], "utter_language_switched"),
        ("change language", [], "utter_ask_which_language"),
    ],
)
async def test_a_switch_request_is_confirmed_or_asks_which_language(dispatcher, text, entities, expected):
    tracker = make_tracker(text, intent="switch_language", entities=entities)
    events = await ActionAnswerFirst().run(dispatcher, tracker, {})
    assert responses(dispatcher) == [expected]
    assert slot_events(events)["next_step"] == "none"


async def test_a_question_about_an_english_speaking_doctor_is_not_a_switch(dispatcher):
    tracker = make_tracker(
        "Comment trouver un médecin qui parle anglais ?",
        intent="switch_language",
        entities=[{"entity": "language", "value": "en"}],
        slots={"language": "fr"},
    )
    events = await ActionReadMessage().run(dispatcher, tracker, {})
    assert slot_events(events) == {"language": "fr", "language_pinned": False}


async def test_a_plainly_french_message_beats_an_english_channel_hint(dispatcher):
    tracker = make_tracker("Bonjour, c'est quoi une mutuelle ?", intent="ask_knowledge", metadata={"language": "en"})
    assert slot_events(await ActionReadMessage().run(dispatcher, tracker, {}))["language"] == "fr"
    short = make_tracker("mutuelle ?", intent="ask_knowledge", metadata={"language": "en"})
    assert slot_events(await ActionReadMessage().run(dispatcher, short, {}))["language"] == "en"
