"""The rasa 3.6 server and the rasa-sdk action server together, through the REST channel, in English and French."""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache

import requests
import yaml
from conftest import ROOT, texts


@lru_cache(maxsize=1)
def responses() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def variation(name: str, language: str) -> dict:
    """The domain's variation of a response for a language (the French one has a condition, English is default)."""
    for candidate in responses()[name]:
        is_french = any(c.get("value") == "fr" for c in candidate.get("condition") or [])
        if is_french == (language == "fr"):
            return candidate
    raise KeyError(name)


def stored_events(servers, sender: str) -> list[dict]:
    with sqlite3.connect(servers.env["TRACKER_DB"]) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [json.loads(row[0]) for row in rows]


def test_bonjour_gets_a_french_greeting_and_hello_an_english_one(servers, sender):
    assert texts(servers.send(sender, "Bonjour")) == variation("utter_greet", "fr")["text"]
    assert texts(servers.send(sender + "-en", "Hello")) == variation("utter_greet", "en")["text"]


def test_ok_and_merci_do_not_flip_the_language(servers, sender):
    servers.send(sender, "Hello")
    assert texts(servers.send(sender, "merci")) == variation("utter_you_are_welcome", "en")["text"]
    french = sender + "-fr"
    servers.send(french, "Bonjour, je viens d'arriver en France")
    assert texts(servers.send(french, "ok thanks")) == variation("utter_you_are_welcome", "fr")["text"]


def test_explicit_switch_wins_and_sticks(servers, sender):
    servers.send(sender, "Hello")
    assert texts(servers.send(sender, "parle français")) == variation("utter_language_switched", "fr")["text"]
    # An English message after the explicit switch is still answered in French.
    assert texts(servers.send(sender, "thank you very much")) == variation("utter_you_are_welcome", "fr")["text"]
    assert texts(servers.send(sender, "in English please")) == variation("utter_language_switched", "en")["text"]


def test_channel_metadata_sets_the_language(servers, sender):
    replies = servers.send(sender, "hello", metadata={"language": "fr"})
    assert texts(replies) == variation("utter_greet", "fr")["text"]


def test_language_switch_without_a_language_offers_buttons(servers, sender):
    replies = servers.send(sender, "change language")
    buttons = [b["payload"] for reply in replies for b in reply.get("buttons", [])]
    assert '/switch_language{"language": "fr"}' in buttons and '/switch_language{"language": "en"}' in buttons


def test_knowledge_answer_has_passage_title_source_and_citation(servers, sender):
    replies = servers.send(sender, "How do I order my Carte Vitale?")
    text = texts(replies)
    assert "Source:" in text and "https://" in text, replies
    citations = [r["custom"] for r in replies if isinstance(r.get("custom"), dict)]
    assert citations and citations[0]["type"] == "citation"
    assert citations[0]["lang"] == "en" and citations[0]["source"].startswith("https://")
    assert "carte-vitale" in citations[0]["id"]


def test_french_question_gets_a_french_passage(servers, sender):
    replies = servers.send(sender, "Comment commander ma carte vitale ?")
    citations = [r["custom"] for r in replies if isinstance(r.get("custom"), dict)]
    assert citations and citations[0]["lang"] == "fr", replies
    assert "Source :" in texts(replies)


def test_form_validates_and_completes_with_slot_events(servers, sender):
    replies = servers.send(sender, "I want to enrol in French health insurance")
    asked = variation("utter_ask_situation", "en")
    assert texts(replies).endswith(asked["text"])  # a request: answered, then the form's first question
    # The domain escapes the braces of payloads ({{ }}) so that Rasa does not read them as slot placeholders.
    expected = [b["payload"].replace("{{", "{").replace("}}", "}") for b in asked["buttons"]]
    assert [b["payload"] for b in replies[-1]["buttons"]] == expected

    replies = servers.send(sender, "I am a wizard")
    assert variation("utter_situation_invalid", "en")["text"] in texts(replies)

    replies = servers.send(sender, '/inform{"situation": "student"}')
    assert texts(replies) == variation("utter_ask_nationality", "en")["text"]
    replies = servers.send(sender, '/inform{"nationality": "eu"}')
    assert "Sources (reviewed" in texts(replies), replies

    events = stored_events(servers, sender)
    slot_values = [(e["name"], e["value"]) for e in events if e["event"] == "slot"]
    assert ("situation", "student") in slot_values and ("nationality", "eu") in slot_values
    assert ("language", "en") in slot_values
    assert any(e["event"] == "active_loop" and e.get("name") is None for e in events)


def test_over_long_message_gets_a_clear_reply_in_the_conversation_language(servers, sender):
    servers.send(sender, "Bonjour, je cherche une mutuelle")
    replies = servers.send(sender, "a" * 5000)
    assert texts(replies) == variation("utter_message_too_long", "fr")["text"]


def test_empty_and_emoji_only_messages_get_a_reply(servers, sender):
    assert texts(servers.send(sender, "   ")) == variation("utter_empty_message", "en")["text"]
    assert servers.send(sender + "-emoji", "😀😀🙏") != []


def test_malformed_requests_get_400_and_the_server_stays_up(servers, sender):
    url = f"{servers.url}/webhooks/rest/webhook"
    headers = {"Content-Type": "application/json"}
    assert (
        requests.post(url, data=b'{"sender": "x", "message": "\xff\xfe"}', headers=headers, timeout=30).status_code
        == 400
    )
    assert requests.post(url, data=b"{not json", headers=headers, timeout=30).status_code == 400
    assert requests.post(url, json={"message": "hello"}, timeout=30).status_code == 400
    assert requests.post(url, json=["hello"], timeout=30).status_code == 400
    assert (
        requests.post(
            url, data="sender=x&message=hi", headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30
        ).status_code
        == 400
    )
    assert servers.send(sender, "Hello")
