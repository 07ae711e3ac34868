"""The guided flows through both real servers over REST, in English and French: enrolment checklist, stalled
file with its letter, emergency, cost conversation with its chart payload, delete-my-data, clarifying fallback."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import texts
from test_rest import variation


def customs(replies: list[dict], kind: str) -> list[dict]:
    return [r["custom"] for r in replies if isinstance(r.get("custom"), dict) and r["custom"].get("type") == kind]


def payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for reply in replies for b in reply.get("buttons", [])]


def first_line(replies: list[dict]) -> str:
    return next(r["text"] for r in replies if r.get("text")).splitlines()[0]


def rows(servers, sender: str) -> int:
    with sqlite3.connect(servers.env["TRACKER_DB"]) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


# --- enrolment pathway ----------------------------------------------------------------------------------------
def test_enrolment_with_buttons_asks_only_what_matters_then_gives_the_checklist_in_french(servers, sender):
    servers.send(sender, "Bonjour")
    replies = servers.send(sender, "/start_enrolment")  # the checklist's button
    assert texts(replies) == variation("utter_ask_situation", "fr")["text"]
    replies = servers.send(sender, '/inform{"situation": "student"}')
    assert texts(replies) == variation("utter_ask_nationality", "fr")["text"]
    replies = servers.send(sender, '/inform{"nationality": "non_eu"}')  # a student is not asked the time in France
    text = texts(replies)
    assert text.startswith("**Votre liste de démarches**"), replies
    assert "etudiant-etranger.ameli.fr" in text and "titre de séjour" in text and "https://" in text


def test_what_the_user_already_said_is_not_asked_again(servers, sender):
    replies = servers.send(
        sender, "I'm an American retiree, I arrived 2 months ago. How do I join French health insurance?"
    )
    text = texts(replies)
    assert "Source:" in text and "**Your checklist**" in text, replies  # the answer, then the checklist at once
    assert "less than three months" in text and "residence permit" in text


def test_a_question_and_a_language_switch_inside_the_enrolment_form(servers, sender):
    replies = servers.send(sender, "I want to enrol in French health insurance")
    assert texts(replies).endswith(variation("utter_ask_situation", "en")["text"])  # a request: the form opens
    replies = servers.send(sender, "wait, what is a mutuelle?")
    assert "Source:" in texts(replies) and texts(replies).endswith(variation("utter_ask_situation", "en")["text"])
    replies = servers.send(sender, "parle français")
    assert texts(replies) == "\n".join(
        [variation("utter_language_switched", "fr")["text"], variation("utter_ask_situation", "fr")["text"]]
    )
    servers.send(sender, '/inform{"situation": "inactive"}')
    servers.send(sender, '/inform{"nationality": "eu"}')
    replies = servers.send(sender, "depuis 4 mois")
    assert texts(replies).startswith("**Votre liste de démarches**"), replies


def test_an_unrecognised_answer_is_said_and_asked_again(servers, sender):
    servers.send(sender, "/start_enrolment")
    replies = servers.send(sender, "I am a wizard")
    assert variation("utter_situation_invalid", "en")["text"] in texts(replies)
    assert payloads(replies)  # the situation buttons again


@pytest.mark.parametrize(
    ("language", "opening", "answer"),
    [("en", "/start_enrolment", "I work as a plumber"), ("fr", "/start_enrolment", "je travaille comme plombier")],
)
def test_a_plain_answer_is_read_for_the_question_asked_whatever_intent_the_nlu_saw(
    servers, sender, language, opening, answer
):
    servers.send(sender, "Bonjour" if language == "fr" else "Hello")
    servers.send(sender, opening)
    replies = servers.send(sender, answer)
    assert texts(replies) == variation("utter_ask_nationality", language)["text"], replies


# --- lost or stalled file -----------------------------------------------------------------------------------------
def test_a_lost_file_gets_steps_contacts_and_a_french_letter(servers, sender):
    replies = servers.send(sender, "The CPAM lost my file")
    assert "Source:" in texts(replies)  # the answer first, then the one question still open
    assert texts(replies).endswith(variation("utter_ask_file_since", "en")["text"])
    replies = servers.send(sender, "about 5 months ago")
    text = texts(replies)
    assert "09 74 75 36 46" in text and "Source:" in text
    [letter] = customs(replies, "letter")
    assert letter["lang"] == "fr" and letter["text"].startswith("[NOM Prénom]") and letter["title"]


def test_a_french_stalled_file_is_answered_in_french(servers, sender):
    servers.send(sender, "Mon dossier est bloqué, aucune nouvelle de la CPAM")
    replies = servers.send(sender, '/inform{"file_since": "3_months_or_more"}')
    assert "Source :" in texts(replies) and "36 46" in texts(replies)
    [letter] = customs(replies, "letter")
    assert "relance" in letter["text"] and "Modèle" in letter["title"]


# --- emergency ------------------------------------------------------------------------------------------------------
def test_an_emergency_starts_with_15_and_112_even_inside_a_form(servers, sender):
    replies = servers.send(sender, "c'est une urgence, mon fils n'arrive plus à respirer")
    assert first_line(replies) == variation("utter_emergency", "fr")["text"] and "PASS" in texts(replies)
    other = sender + "-form"
    servers.send(other, "/ask_cost")
    servers.send(other, "a dentist")
    replies = servers.send(other, "emergency! my husband collapsed")
    assert first_line(replies) == variation("utter_emergency", "en")["text"]
    assert texts(replies).endswith(variation("utter_ask_price", "en")["text"])


# --- cost conversation ----------------------------------------------------------------------------------------------
def test_a_cost_question_that_gives_everything_is_answered_at_once(servers, sender):
    replies = servers.send(
        sender, "How much will I get back for a €30 GP visit? I have a médecin traitant and no mutuelle"
    )
    assert "You pay: €11.00." in texts(replies), replies
    [chart] = customs(replies, "cost_breakdown")
    assert chart["lang"] == "en" and chart["care"] == "gp" and chart["billed"] == 30.0
    assert [p["part"] for p in chart["parts"]] == ["statutory", "complementary", "you"]
    assert chart["text"] == "You pay €11.00 of €30.00"


def test_a_french_cost_question_asks_only_what_is_missing(servers, sender):
    replies = servers.send(sender, "Combien je paie chez le dermatologue à 50 euros ?")
    assert texts(replies).endswith(variation("utter_ask_medecin_traitant", "fr")["text"])
    replies = servers.send(sender, "oui")
    assert texts(replies) == variation("utter_ask_mutuelle", "fr")["text"]
    assert '/inform{"mutuelle": "none"}' in payloads(replies)
    replies = servers.send(sender, '/inform{"mutuelle": "none"}')
    assert "il vous reste 29,95\xa0€ à payer" in texts(replies)
    [chart] = customs(replies, "cost_breakdown")
    assert chart["lang"] == "fr" and chart["text"] == "Vous payez 29,95\xa0€ sur 50,00\xa0€"
    # Comparing with a mutuelle keeps the care and the price.
    replies = servers.send(sender, '/ask_cost{"mutuelle": "200"}')
    [better] = customs(replies, "cost_breakdown")
    assert better["billed"] == 50.0 and better["parts"][2]["amount"] < chart["parts"][2]["amount"]


# --- delete my data -------------------------------------------------------------------------------------------------
def test_delete_my_data_asks_then_removes_the_conversation(servers, sender):
    servers.send(sender, "Hello")
    assert rows(servers, sender) > 0
    replies = servers.send(sender, "delete my data")
    assert texts(replies) == variation("utter_ask_delete_confirm", "en")["text"]
    replies = servers.send(sender, "/affirm")
    assert texts(replies) == variation("utter_data_deleted", "en")["text"]
    assert rows(servers, sender) == 0


def test_supprimer_mes_donnees_can_be_cancelled(servers, sender):
    servers.send(sender, "Bonjour")
    servers.send(sender, "supprimer mes données")
    replies = servers.send(sender, "non, annule")
    assert texts(replies) == variation("utter_delete_cancelled", "fr")["text"]
    assert rows(servers, sender) > 0


# --- fallback -------------------------------------------------------------------------------------------------------
def test_an_unclear_message_says_what_the_assistant_is_for(servers, sender):
    # Words never seen, nothing of health insurance: what the assistant is for, each time (never a dead end).
    for message in ("blorp zzkt wibble", "qwxx vrrb plonk"):
        replies = servers.send(sender, message)
        assert texts(replies) == variation("utter_out_of_scope", "en")["text"]


def test_delete_my_data_inside_a_form_stops_the_form_and_deletes(servers, sender):
    servers.send(sender, "/ask_cost")
    replies = servers.send(sender, "delete my data please")
    assert texts(replies) == variation("utter_ask_delete_confirm", "en")["text"]
    replies = servers.send(sender, "yes")
    assert texts(replies) == variation("utter_data_deleted", "en")["text"]
    assert rows(servers, sender) == 0
