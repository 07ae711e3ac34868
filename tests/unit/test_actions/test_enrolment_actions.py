from actions.enrolment import ActionEnrolmentGuide, ValidateEnrolmentForm

from .conftest import make_tracker, responses


def test_validation_accepts_free_text_and_canonical_values(dispatcher):
    form = ValidateEnrolmentForm()
    tracker = make_tracker("je suis étudiante", active_loop="enrolment_form")
    assert form.validate_situation("je suis étudiante", dispatcher, tracker, {}) == {"situation": "student"}
    assert form.validate_situation("retiree", dispatcher, tracker, {}) == {"situation": "retiree"}
    assert dispatcher.messages == []


def test_validation_rejects_unknown_situations_with_a_message(dispatcher):
    form = ValidateEnrolmentForm()
    tracker = make_tracker("I am a wizard", active_loop="enrolment_form")
    assert form.validate_situation("I am a wizard", dispatcher, tracker, {}) == {"situation": None}
    assert responses(dispatcher) == ["utter_situation_invalid"]


async def test_guide_without_a_known_situation_falls_back_honestly(dispatcher):
    tracker = make_tracker("/inform", slots={"language": "en", "situation": "astronaut"})
    events = await ActionEnrolmentGuide().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_knowledge_unknown"]
    assert events[0]["name"] == "situation" and events[0]["value"] is None
