"""Actions of the guided flows: extraction, the checklist, the stalled file and its letter, the cost answer,
the emergency, delete-my-data and the clarifying fallback."""

from __future__ import annotations

import actions.answer_first as answer_first
from actions.cost import ActionCostAnswer, ValidateCostForm
from actions.enrolment import ActionEnrolmentGuide, ValidateEnrolmentForm
from actions.extract import ActionReadMessage
from actions.privacy import ActionDeleteMyData
from actions.stalled_file import ActionFileAdvice, ValidateFileForm

from .conftest import make_tracker, responses


def slots_of(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def fields_of(events: list[dict]) -> dict:
    """The form fields action_read_message set (it also sets the language slots after every message)."""
    return {name: value for name, value in slots_of(events).items() if name not in ("language", "language_pinned")}


# --- extraction ---------------------------------------------------------------------------------------------------
async def test_one_call_reads_both_the_language_and_the_fields(dispatcher):
    tracker = make_tracker(
        "Combien pour une consultation à 30 € chez le généraliste ?", intent="ask_cost", slots={"language": "en"}
    )
    events = await ActionReadMessage().run(dispatcher, tracker, {})
    assert slots_of(events)["language"] == "fr"
    assert fields_of(events)["care"] == "gp" and fields_of(events)["price"] == "30"
    assert dispatcher.messages == []


async def test_a_cost_question_that_gives_everything_fills_every_slot(dispatcher):
    tracker = make_tracker(
        "How much will I get back for a €30 GP visit? I have a médecin traitant and no mutuelle", intent="ask_cost"
    )
    found = fields_of(await ActionReadMessage().run(dispatcher, tracker, {}))
    assert found == {"care": "gp", "price": "30", "age": None, "medecin_traitant": "yes", "mutuelle": "none"}


async def test_a_new_cost_question_forgets_the_previous_care_and_price(dispatcher):
    tracker = make_tracker(
        "et chez le dentiste ?", intent="ask_cost", slots={"care": "gp", "price": "30", "mutuelle": "100"}
    )
    found = fields_of(await ActionReadMessage().run(dispatcher, tracker, {}))
    assert found == {"care": "dentist", "price": None, "age": None}  # the mutuelle is still the user's


async def test_a_childs_age_is_read_from_the_way_parents_say_it(dispatcher):
    text = (
        "my daughter is 3, pediatric visit at the GP for 35€, how much does the CPAM pay back? we don't have a mutuelle"
    )
    found = fields_of(await ActionReadMessage().run(dispatcher, make_tracker(text, "ask_cost"), {}))
    assert found == {"care": "gp", "price": "35", "age": "3", "mutuelle": "none"}
    found = fields_of(await ActionReadMessage().run(dispatcher, make_tracker("mon bébé a 8 mois, pédiatre 40 €"), {}))
    assert found.get("age") is None  # months are not years


async def test_an_answer_inside_the_form_is_read_for_the_question_asked(dispatcher):
    tracker = make_tracker("50", intent="inform", active_loop="cost_form", slots={"requested_slot": "price"})
    assert fields_of(await ActionReadMessage().run(dispatcher, tracker, {})) == {"price": "50"}


async def test_a_question_inside_a_form_fills_nothing(dispatcher):
    tracker = make_tracker(
        "what is a mutuelle at 100%?",
        intent="ask_knowledge",
        active_loop="cost_form",
        slots={"requested_slot": "mutuelle"},
    )
    assert fields_of(await ActionReadMessage().run(dispatcher, tracker, {})) == {}


async def test_a_plain_answer_the_nlu_took_for_something_else_answers_the_question_asked(dispatcher):
    # DIET was sure "I work as a plumber" asked what the bot can do; the form had asked the situation.
    tracker = make_tracker(
        "I work as a plumber",
        intent="what_can_you_do",
        active_loop="enrolment_form",
        slots={"requested_slot": "situation"},
    )
    assert fields_of(await ActionReadMessage().run(dispatcher, tracker, {})) == {"situation": "employee"}
    tracker = make_tracker(
        "depuis 5 mois", intent="goodbye", active_loop="file_form", slots={"requested_slot": "file_since"}
    )
    assert fields_of(await ActionReadMessage().run(dispatcher, tracker, {})) == {"file_since": "3_months_or_more"}
    tracker = make_tracker(
        "a dentist", intent="out_of_scope", active_loop="cost_form", slots={"requested_slot": "care"}
    )
    assert fields_of(await ActionReadMessage().run(dispatcher, tracker, {})) == {"care": "dentist"}


async def test_questions_and_interruptions_inside_a_form_are_not_taken_for_answers(dispatcher):
    for text, intent in [
        ("do students pay for the doctor?", "ask_knowledge"),
        ("I am a student, switch to French", "switch_language"),
        ("I'm a student and I can't breathe", "emergency"),
        ("I'm a student, delete my data", "delete_my_data"),
    ]:
        tracker = make_tracker(text, intent=intent, active_loop="enrolment_form", slots={"requested_slot": "situation"})
        assert fields_of(await ActionReadMessage().run(dispatcher, tracker, {})) == {}, text
    # outside a form, every message is read, whatever its intent: what the user said prefills a later form
    tracker = make_tracker("I work as a plumber", intent="what_can_you_do")
    assert fields_of(await ActionReadMessage().run(dispatcher, tracker, {})) == {"situation": "employee"}
    # ... but never an explicit language switch or delete-my-data
    tracker = make_tracker("I'm a student, delete my data", intent="delete_my_data")
    assert fields_of(await ActionReadMessage().run(dispatcher, tracker, {})) == {}


async def test_the_enrolment_question_prefills_what_the_user_said(dispatcher):
    tracker = make_tracker("I'm an American retiree, I arrived 2 months ago", intent="start_enrolment")
    found = fields_of(await ActionReadMessage().run(dispatcher, tracker, {}))
    assert found == {"situation": "retiree", "nationality": "non_eu", "time_in_france": "under_3_months"}


async def test_a_file_problem_prefills_status_and_date(dispatcher):
    tracker = make_tracker("la CPAM a perdu mon dossier, envoyé il y a 5 mois", intent="file_problem")
    found = fields_of(await ActionReadMessage().run(dispatcher, tracker, {}))
    assert found == {"file_status": "lost", "file_since": "3_months_or_more"}


# --- enrolment ----------------------------------------------------------------------------------------------------
async def test_the_enrolment_form_asks_only_what_matters(dispatcher):
    form = ValidateEnrolmentForm()
    domain_slots = ["situation", "nationality", "time_in_france"]
    ask = lambda **slots: form.required_slots(domain_slots, dispatcher, make_tracker(slots=slots), {})  # noqa: E731
    assert await ask(situation="employee") == ["situation", "nationality"]
    assert await ask(situation="eu_s1") == ["situation"]
    assert await ask(situation="inactive") == domain_slots
    assert await ask(situation="eu_citizen") == ["situation", "time_in_france"]


def test_an_eu_situation_sets_the_nationality_group(dispatcher):
    tracker = make_tracker("I have an S1", active_loop="enrolment_form")
    result = ValidateEnrolmentForm().validate_situation("I have an S1", dispatcher, tracker, {})
    assert result == {"situation": "eu_s1", "nationality": "eu"}


def test_an_unclear_answer_to_the_nationality_question_is_said(dispatcher):
    tracker = make_tracker("blue", slots={"requested_slot": "nationality"}, active_loop="enrolment_form")
    assert ValidateEnrolmentForm().validate_nationality("blue", dispatcher, tracker, {}) == {"nationality": None}
    assert responses(dispatcher) == ["utter_nationality_invalid"]


async def test_the_checklist_is_sent_in_the_users_language_and_the_answers_are_forgotten(dispatcher):
    slots = {"language": "fr", "situation": "inactive", "nationality": "non_eu", "time_in_france": "under_3_months"}
    events = await ActionEnrolmentGuide().run(dispatcher, make_tracker("/inform", slots=slots), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_checklist"
    assert "titre de séjour" in message["documents"] and "S1106" in message["forms"]
    assert "moins de trois mois" in message["route"]
    assert "https://" in message["sources"]
    assert slots_of(events) == {"situation": None, "nationality": None, "time_in_france": None}


async def test_urgency_inside_the_flow_comes_first(dispatcher):
    slots = {"language": "en", "situation": "student", "nationality": "eu"}
    tracker = make_tracker("I'm a student, it's urgent, my friend is unconscious", intent="inform", slots=slots)
    await ActionEnrolmentGuide().run(dispatcher, tracker, {})
    assert responses(dispatcher)[0] == "utter_emergency"


# --- stalled file -------------------------------------------------------------------------------------------------
async def test_a_stalled_file_gets_steps_contacts_and_the_letter_payload(dispatcher):
    slots = {"language": "en", "file_status": "no_news", "file_since": "3_months_or_more"}
    events = await ActionFileAdvice().run(dispatcher, make_tracker("/inform", slots=slots), {})
    assert responses(dispatcher) == ["utter_file_advice", "utter_file_contacts", "utter_letter", None]
    payload = dispatcher.messages[-1]["custom"]
    assert payload["type"] == "letter" and payload["lang"] == "fr"
    assert payload["text"].startswith("[NOM Prénom]") and "relance" in payload["text"]
    assert payload["title"].startswith("Letter template")  # title in the user's language
    assert slots_of(events) == {"file_status": None, "file_since": None}


async def test_a_recent_file_is_told_that_waiting_is_normal_and_a_refusal_gets_no_letter(dispatcher):
    slots = {"language": "fr", "file_status": "no_news", "file_since": "under_3_months"}
    await ActionFileAdvice().run(dispatcher, make_tracker("/inform", slots=slots), {})
    assert responses(dispatcher)[0] == "utter_file_recent"
    dispatcher.messages.clear()
    slots = {"language": "fr", "file_status": "refused", "file_since": "under_3_months"}
    await ActionFileAdvice().run(dispatcher, make_tracker("/inform", slots=slots), {})
    assert responses(dispatcher) == ["utter_file_advice", "utter_file_contacts"]


def test_the_file_form_rejects_what_it_cannot_read(dispatcher):
    tracker = make_tracker("purple", slots={"requested_slot": "file_status"}, active_loop="file_form")
    assert ValidateFileForm().validate_file_status("purple", dispatcher, tracker, {}) == {"file_status": None}
    assert responses(dispatcher) == ["utter_file_status_invalid"]


# --- cost ---------------------------------------------------------------------------------------------------------
async def test_the_cost_form_skips_the_medecin_traitant_where_it_does_not_matter(dispatcher):
    form = ValidateCostForm()
    domain_slots = ["care", "price", "medecin_traitant", "mutuelle"]
    gp = make_tracker(slots={"care": "gp"})  # the price is the official tariff: not asked
    assert await form.required_slots(domain_slots, dispatcher, gp, {}) == ["care", "medecin_traitant", "mutuelle"]
    dentist = make_tracker(slots={"care": "dentist"})
    assert await form.required_slots(domain_slots, dispatcher, dentist, {}) == ["care", "price", "mutuelle"]
    child = make_tracker(slots={"care": "gp", "age": "10"})  # the child's tariff, and no parcours under 16
    assert await form.required_slots(domain_slots, dispatcher, child, {}) == ["care", "mutuelle"]


def test_the_cost_form_validates_answers_with_the_calculator(dispatcher):
    form = ValidateCostForm()
    asked = make_tracker("trente", slots={"requested_slot": "price", "care": "gp", "language": "fr"})
    assert form.validate_price("trente", dispatcher, asked, {}) == {"price": None}
    assert form.validate_price("30,50 €", dispatcher, asked, {}) == {"price": "30.50"}
    assert form.validate_care("dermatologue", dispatcher, asked, {}) == {"care": "specialist"}
    assert form.validate_mutuelle("none", dispatcher, asked, {}) == {"mutuelle": "none"}
    mutuelle = make_tracker("purple", slots={"requested_slot": "mutuelle", "language": "fr"})
    assert form.validate_mutuelle("purple", dispatcher, mutuelle, {}) == {"mutuelle": None}
    assert form.validate_price("-5 €", dispatcher, asked, {}) == {"price": None}
    assert responses(dispatcher) == ["utter_price_invalid", "utter_mutuelle_invalid", "utter_price_invalid"]


async def test_the_cost_answer_sends_the_explanation_then_the_chart_payload(dispatcher):
    slots = {"language": "fr", "care": "specialist", "price": "50", "mutuelle": "none", "medecin_traitant": "yes"}
    await ActionCostAnswer().run(dispatcher, make_tracker("/inform", slots=slots), {})
    # the headline first, then the chart payload (with the calculation on demand), the main assumption, the offer
    assert responses(dispatcher) == ["utter_cost_answer", None, "utter_cost_answer", "utter_cost_compare"]
    assert dispatcher.messages[0]["explanation"] == (
        "La Sécurité sociale rembourse 20,05\xa0€, une mutuelle 0,00\xa0€ (vous n'en avez pas) et il vous reste "
        "29,95\xa0€ à payer sur 50,00\xa0€ facturés."
    )
    payload = dispatcher.messages[1]["custom"]
    assert payload["type"] == "cost_breakdown" and payload["lang"] == "fr" and payload["billed"] == 50.0
    assert payload["text"] == "Vous payez 29,95\xa0€ sur 50,00\xa0€"
    assert "Reste à votre charge : 29,95\xa0€" in payload["details"]


# --- delete my data ---------------------------------------------------------------------------------------------
# (the emergency and the clarifying fallback are answered by the answer-first action: test_answer_first.py)
async def test_delete_my_data_marks_the_conversation_for_the_tracker_store(dispatcher):
    events = await ActionDeleteMyData().run(dispatcher, make_tracker("yes", intent="affirm"), {})
    assert slots_of(events) == {"delete_confirmed": True}
    assert responses(dispatcher) == ["utter_data_deleted"]


class FakeRetriever:
    def search(self, query, lang=None, k=5, method="hybrid", topic=None):
        return []

    def answer(self, query, lang, **context):
        from bot.retrieval import Answer

        return Answer(confident=False, hit=None, score=0.1)


async def test_a_knowledge_question_with_urgency_starts_with_the_numbers(dispatcher, monkeypatch):
    monkeypatch.setattr(answer_first, "get_retriever", lambda: FakeRetriever())
    tracker = make_tracker("urgent: is the hospital free without carte vitale?", intent="ask_knowledge")
    await answer_first.ActionAnswerFirst().run(dispatcher, tracker, {})
    assert responses(dispatcher)[0] == "utter_emergency"


async def test_an_urgent_answer_inside_a_form_gets_the_numbers_once(dispatcher):
    domain = {
        "forms": {"cost_form": {"required_slots": ["care", "price", "medecin_traitant", "mutuelle"]}},
        "slots": {},
    }
    tracker = make_tracker(
        "urgent, my friend is unconscious, it was 30 euros",
        intent="inform",
        slots={"requested_slot": "price", "care": "gp", "language": "en"},
        active_loop="cost_form",
    )
    await ValidateCostForm().run(dispatcher, tracker, domain)
    await ActionCostAnswer().run(dispatcher, tracker, domain)
    assert responses(dispatcher).count("utter_emergency") == 1 and responses(dispatcher)[0] == "utter_emergency"


def test_a_partial_entity_does_not_hide_the_situation_the_whole_answer_gives(dispatcher):
    tracker = make_tracker(
        "je travaille comme plombier",
        intent="out_of_scope",
        slots={"requested_slot": "situation", "language": "fr"},
        active_loop="enrolment_form",
    )
    assert ValidateEnrolmentForm().validate_situation("comme plombier", dispatcher, tracker, {}) == {
        "situation": "employee"
    }
    assert dispatcher.messages == []
