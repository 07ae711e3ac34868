"""The cost conversation (actions/cost.py over bot/guidance/cost.py): it asks what the calculator says matters, gives
the same amounts as the command line for the same facts, and answers headline first."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from actions.cost import ActionCostAnswer, ValidateCostForm, send_cost_answer, send_refund_explanation
from bot.calculator.cli import main as calc_cli
from bot.guidance.cost import extract_cost_fields, parse_refund_question

from .conftest import make_tracker, responses

DOMAIN_SLOTS = ["care", "price", "basket", "device_class", "medecin_traitant", "mutuelle"]  # domain.yml cost_form
#: What the user answers to each question of the form, in words.
ANSWERS = {"medecin_traitant": {"yes": "yes", "no": "no"}, "mutuelle": {"none": "no mutuelle"}}


async def converse(message: str, answers: dict[str, str], dispatcher, language: str = "en") -> dict:
    """One cost conversation: the opening message, then each question the form asks answered as ``answers`` says.

    Returns the ``cost_breakdown`` payload and the questions that were asked."""
    slots = {"language": language, **extract_cost_fields(message)}
    form = ValidateCostForm()
    asked = []
    while True:
        needed = await form.required_slots(DOMAIN_SLOTS, dispatcher, make_tracker(slots=slots), {})
        missing = [slot for slot in needed if slots.get(slot) in (None, "")]
        if not missing:
            break
        slot = missing[0]
        asked.append(slot)
        reply = answers[slot]
        tracker = make_tracker(reply, slots={**slots, "requested_slot": slot}, active_loop="cost_form")
        validated = getattr(form, f"validate_{slot}")(reply, dispatcher, tracker, {})
        assert validated[slot] is not None, (slot, reply)
        slots.update(validated)
    dispatcher.messages.clear()
    await ActionCostAnswer().run(dispatcher, make_tracker("/inform", slots=slots), {})
    [payload] = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    return {"payload": payload, "asked": asked}


def cli_amounts(capsys, *argv: str) -> tuple[float, float, float]:
    assert calc_cli([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    return data["statutory_paid"], data["complementary_paid"], data["out_of_pocket"]


def parts(payload: dict) -> tuple[float, float, float]:
    amounts = {p["part"]: p["amount"] for p in payload["parts"]}
    return amounts["statutory"], amounts["complementary"], amounts["you"]


# Each row: opening message, answers to the questions asked, the same facts on the command line, the questions the
# form must ask. The psychiatrist, gynaecologist and paediatrician without a médecin traitant are issue 17's cases:
# the conversation used to drop "no médecin traitant" for them (€37.90 refunded instead of the CLI's €13.60).
CASES = [
    (
        "How much for a €60 psychiatrist? I'm 40 and I have no médecin traitant, no mutuelle",
        {},
        ["--care", "psychiatrist", "--price", "60", "--age", "40", "--medecin-traitant", "no", "--mutuelle", "none"],
        [],
    ),
    (
        "I'm 40, psychiatrist at 60 euros",
        {"medecin_traitant": "no", "mutuelle": "no mutuelle"},
        ["--care", "psychiatrist", "--price", "60", "--age", "40", "--medecin-traitant", "no", "--mutuelle", "none"],
        ["medecin_traitant", "mutuelle"],
    ),
    (
        "gynécologue à 50 €, j'ai 35 ans, sans médecin traitant",
        {"mutuelle": "100%"},
        ["--care", "gynecologist", "--price", "50", "--age", "35", "--medecin-traitant", "no", "--mutuelle", "100"],
        ["mutuelle"],
    ),
    (
        "pédiatre à 40 €, il a 17 ans",
        {"medecin_traitant": "no", "mutuelle": "no mutuelle"},
        ["--care", "pediatrician", "--price", "40", "--age", "17", "--medecin-traitant", "no", "--mutuelle", "none"],
        ["medecin_traitant", "mutuelle"],
    ),
    (
        "my 5-year-old sees the paediatrician, no médecin traitant",
        {"mutuelle": "no mutuelle"},
        ["--care", "pediatrician", "--age", "5", "--medecin-traitant", "no", "--mutuelle", "none"],
        ["mutuelle"],  # under 16: the médecin traitant does not matter, the price is the tariff
    ),
    (
        "How much will I get back for a €30 GP visit? I have a médecin traitant and no mutuelle",
        {},
        ["--care", "gp", "--price", "30", "--medecin-traitant", "yes", "--mutuelle", "none"],
        [],
    ),
    (
        "GP visit",
        {"medecin_traitant": "yes", "mutuelle": "100%"},
        ["--care", "gp", "--medecin-traitant", "yes", "--mutuelle", "100"],
        ["medecin_traitant", "mutuelle"],
    ),
    (
        "dentist 23 euros, I have the CSS",
        {},
        ["--care", "dentist", "--price", "23", "--css", "yes"],
        [],
    ),
    # Issue 17: an €800 crown; the basket is asked (the button sends its payload as the answer)
    (
        "What will I pay for a crown? It costs 800 euros",
        {"basket": '/inform{"basket": "libre"}', "mutuelle": "no mutuelle"},
        ["--care", "crown", "--price", "800", "--basket", "libre", "--mutuelle", "none"],
        ["basket", "mutuelle"],
    ),
    (
        "couronne 100% Santé à 500 €, mutuelle à 100 %",
        {},
        ["--care", "crown", "--price", "500", "--basket", "100-sante", "--mutuelle", "100"],
        [],
    ),
    (
        "hearing aid at 1500 euros, I'm 70",
        {"device_class": "class II", "mutuelle": "300%"},
        ["--care", "hearing_aid", "--price", "1500", "--device-class", "2", "--age", "70", "--mutuelle", "300"],
        ["device_class", "mutuelle"],
    ),
    # Issue 17: glasses; their class is asked (the button sends its payload), then the mutuelle
    (
        "What will I pay for glasses? They cost 340 euros",
        {"device_class": '/inform{"device_class": "B"}', "mutuelle": "100%"},
        ["--care", "glasses", "--price", "340", "--device-class", "B", "--mutuelle", "100"],
        ["device_class", "mutuelle"],
    ),
    (
        "lunettes 100 % Santé à 120 €, sans mutuelle",
        {},
        ["--care", "glasses", "--price", "120", "--device-class", "A", "--mutuelle", "none"],
        [],
    ),
    (
        "new glasses at the optician, 250 €, I have the CSS",
        {"device_class": "class A"},
        ["--care", "glasses", "--price", "250", "--device-class", "A", "--css", "yes"],
        ["device_class"],
    ),
    (
        "des lunettes à 200 € pour mon fils, il a 10 ans",
        {"device_class": "classe B", "mutuelle": "no mutuelle"},
        ["--care", "glasses", "--price", "200", "--device-class", "B", "--age", "10", "--mutuelle", "none"],
        ["device_class", "mutuelle"],
    ),
]


@pytest.mark.parametrize("message, answers, argv, asked", CASES, ids=[c[2][1] + str(i) for i, c in enumerate(CASES)])
async def test_the_conversation_and_the_command_line_give_the_same_amounts(
    message, answers, argv, asked, dispatcher, capsys
):
    result = await converse(message, answers, dispatcher)
    assert result["asked"] == asked, result["asked"]
    assert parts(result["payload"]) == cli_amounts(capsys, *argv)


async def test_a_psychiatrist_without_medecin_traitant_is_refunded_hors_parcours(dispatcher):
    # The figure: a 40-year-old at a €60 psychiatrist without a médecin traitant gets €13.60 back.
    result = await converse("psychiatrist 60 €, I'm 40, no médecin traitant, no mutuelle", {}, dispatcher)
    assert parts(result["payload"])[0] == 13.60


@pytest.mark.parametrize(
    "slots, lang, amounts",
    [
        (
            {"care": "gp", "price": "30", "medecin_traitant": "yes", "mutuelle": "none"},
            "en",
            ["€19.00", "€0.00", "€11.00"],
        ),
        (
            {"care": "gp", "price": "30", "medecin_traitant": "yes", "mutuelle": "none"},
            "fr",
            ["19,00 €", "0,00 €", "11,00 €"],
        ),
        ({"care": "hospital", "price": "1000", "mutuelle": "100"}, "en", ["€800.00", "€200.00", "€0.00"]),
        ({"care": "hospital", "price": "1000", "mutuelle": "100"}, "fr", ["800,00 €", "200,00 €", "0,00 €"]),
        ({"care": "dentist", "price": "50", "mutuelle": "none"}, "en", ["€30.00", "€0.00", "€20.00"]),
        ({"care": "dentist", "price": "50", "mutuelle": "none"}, "fr", ["30,00 €", "0,00 €", "20,00 €"]),
    ],
)
async def test_the_first_message_is_the_headline_with_the_three_amounts(slots, lang, amounts, dispatcher):
    tracker = make_tracker("/inform", slots={"language": lang, **slots})
    assert await send_cost_answer(dispatcher, tracker, slots) == []
    first, payload, assumption = dispatcher.messages[:3]
    headline = first["explanation"]
    assert first["response"] == "utter_cost_answer" and "\n" not in headline
    position = 0
    for amount in amounts:  # Sécurité sociale, then mutuelle (or CSS), then you, each as a separate amount
        position = headline.index(" " + amount, position) + len(amount)
    assert payload["custom"]["type"] == "cost_breakdown" and payload["custom"]["headline"] == headline
    details = payload["custom"]["details"]
    assert "\n\n1. " in details and "\n\n- " in details  # CommonMark lists after blank lines
    assert assumption["explanation"] == payload["custom"]["assumption"] and "\n" not in assumption["explanation"]
    assert len(dispatcher.messages) == 3  # not REST: the details stay in the payload


async def test_rest_clients_get_the_details_as_a_later_message(dispatcher):
    slots = {"care": "gp", "price": "30", "medecin_traitant": "yes", "mutuelle": "none"}
    tracker = make_tracker("/inform", slots={"language": "en", **slots})
    tracker.events = [{"event": "user", "text": "hi", "input_channel": "rest"}]
    assert tracker.get_latest_input_channel() == "rest"
    await send_cost_answer(dispatcher, tracker, slots)
    assert len(dispatcher.messages) == 4
    assert dispatcher.messages[3]["explanation"] == dispatcher.messages[1]["custom"]["details"]
    assert dispatcher.messages[3]["explanation"].index("You pay: €11.00")


async def test_an_impossible_estimate_says_why_and_asks_again(dispatcher):
    slots = {"care": "gp", "price": "30", "mutuelle": "2000"}
    events = await send_cost_answer(dispatcher, make_tracker("/inform", slots={"language": "fr", **slots}), slots)
    assert responses(dispatcher) == ["utter_cost_input_invalid"]
    assert {e["name"] for e in events} == {"care", "price"}


async def test_the_price_buttons_fit_the_care_asked(dispatcher):
    domain = {"forms": {"cost_form": {"required_slots": DOMAIN_SLOTS}}, "slots": {}}
    tracker = make_tracker("hospital", slots={"care": "hospital", "language": "en"}, active_loop="cost_form")
    events = await ValidateCostForm().run(dispatcher, tracker, domain)
    options = {e["name"]: e["value"] for e in events if e["name"].startswith("price_option_")}
    assert options == {"price_option_1": "500", "price_option_2": "1500", "price_option_3": "5000"}
    # glasses: a class A pair, the average single-vision pair, a progressive pair (not €30/€50/€80)
    tracker = make_tracker("glasses", slots={"care": "glasses", "language": "en"}, active_loop="cost_form")
    events = await ValidateCostForm().run(dispatcher, tracker, domain)
    options = {e["name"]: e["value"] for e in events if e["name"].startswith("price_option_")}
    assert options == {"price_option_1": "100", "price_option_2": "340", "price_option_3": "550"}


@pytest.mark.parametrize(
    "text, lang, fragments",
    [
        (
            "My GP charged €30 and ameli paid me €19",
            "en",
            ["70% × €30.00 − €2.00 = €19.00", "participation forfaitaire"],
        ),
        ("j'ai payé 30 € chez le généraliste et la sécu m'a remboursé 7 €", "fr", ["30 % × 30,00 €", "hors parcours"]),
        ("My GP charged €30 and ameli paid me €12", "en", ["does not match", "36 46"]),
    ],
)
async def test_the_refund_explanation_is_sent_in_the_users_language(text, lang, fragments, dispatcher):
    facts = parse_refund_question(text)
    await send_refund_explanation(dispatcher, make_tracker(text, slots={"language": lang}), facts)
    [message] = dispatcher.messages
    for fragment in fragments:
        assert fragment in message["explanation"]


def test_amounts_in_the_payload_add_up():
    from bot.guidance.cost import build_cost_answer

    answer = build_cost_answer({"care": "specialist", "price": "60", "medecin_traitant": "no", "mutuelle": "100"}, "en")
    total = sum(Decimal(str(p["amount"])) for p in answer.payload["parts"])
    assert total == Decimal(str(answer.payload["billed"]))


async def test_a_question_inside_the_form_that_is_no_answer_is_answered_and_the_form_asks_again(dispatcher):
    # The NLU may read a question as an answer ("inform") or be unsure: the answer-first rules then leave it to the
    # form, which must not reply "I didn't get your mutuelle" to it.
    domain = {"forms": {"cost_form": {"required_slots": DOMAIN_SLOTS}}, "slots": {}}
    waiting = {"care": "gp", "price": "30", "medecin_traitant": "yes", "requested_slot": "mutuelle", "language": "en"}
    for intent in ("inform", "nlu_fallback"):
        dispatcher.messages.clear()
        tracker = make_tracker(
            "is the €2 participation forfaitaire capped each year?",
            intent=intent,
            slots=waiting,
            active_loop="cost_form",
        )
        events = await ValidateCostForm().run(dispatcher, tracker, domain)
        assert "utter_knowledge_answer" in responses(dispatcher)
        assert "utter_mutuelle_invalid" not in responses(dispatcher)
        assert {e["name"]: e["value"] for e in events}.get("knowledge_topic") == "patient-charges"
        assert "mutuelle" not in {e["name"] for e in events if e["value"] is not None}
    # An answer the form can read stays an answer, even with a question mark.
    dispatcher.messages.clear()
    tracker = make_tracker("200%?", intent="inform", slots=waiting, active_loop="cost_form")
    events = await ValidateCostForm().run(dispatcher, tracker, domain)
    assert "utter_knowledge_answer" not in responses(dispatcher)
    # A question the knowledge base cannot answer gets the form's own reply.
    dispatcher.messages.clear()
    tracker = make_tracker("what?", intent="nlu_fallback", slots=waiting, active_loop="cost_form")
    await ValidateCostForm().run(dispatcher, tracker, domain)
    assert "utter_knowledge_answer" not in responses(dispatcher)
