"""Faults: the action server goes down and comes back mid-conversation; the rasa server restarts.

Runs before the other integration modules (alphabetical order) and leaves both servers running as it found them.
"""

from __future__ import annotations

from conftest import texts
from test_rest import variation


def test_action_server_down_gets_an_apology_in_the_user_language_then_recovers(servers, sender):
    assert texts(servers.send(sender, "Bonjour")) == variation("utter_greet", "fr")["text"]
    servers.stop("actions")
    try:
        replies = servers.send(sender, "Comment commander ma carte vitale ?")
        assert texts(replies) == variation("utter_technical_problem", "fr")["text"]
    finally:
        servers.start_actions()
    replies = servers.send(sender, "Comment commander ma carte vitale ?")
    assert "Source :" in texts(replies), replies


def test_conversation_continues_after_a_rasa_restart(servers, sender):
    servers.send(sender, "Hello")
    assert texts(servers.send(sender, "parle français")) == variation("utter_language_switched", "fr")["text"]
    servers.stop("rasa")
    servers.start_rasa()
    # The explicit switch was stored in the SQLite tracker store: English text is still answered in French.
    assert texts(servers.send(sender, "thank you very much")) == variation("utter_you_are_welcome", "fr")["text"]


def test_rasa_http_api_is_off(servers):
    import requests

    for path in (f"/conversations/{'x'}/tracker", "/model/parse", "/status"):
        assert requests.get(f"{servers.url}{path}", timeout=30).status_code in (401, 403, 404, 405)
