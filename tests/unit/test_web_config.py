"""The widget's copy of what it shares with the server (web/src/config.js) agrees with the server's own values:
the settings' defaults (bot/settings.py), the socket.io channel's configuration (credentials.yml) and event names
(rasa_server/socketio.py). The widget cannot read them at run time, so a change on one side fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CONFIG_JS = (ROOT / "web" / "src" / "config.js").read_text(encoding="utf-8")


def js_value(name: str) -> str | int:
    """The literal after ``name:`` in config.js (a string or an integer)."""
    match = re.search(rf"^\s*{name}:\s*(\"[^\"]*\"|\d+),", CONFIG_JS, re.MULTILINE)
    assert match, f"web/src/config.js has no {name}"
    return ast.literal_eval(match.group(1))


def socketio_constant(name: str) -> str:
    source = (ROOT / "rasa_server" / "socketio.py").read_text(encoding="utf-8")
    match = re.search(rf"^{name} = \"([^\"]+)\"$", source, re.MULTILINE)
    assert match, f"rasa_server/socketio.py has no {name}"
    return match.group(1)


def test_the_widget_limits_a_message_to_the_servers_default_length():
    assert js_value("maxMessageChars") == Settings().max_message_chars


def test_the_widget_falls_back_on_the_servers_default_language():
    assert js_value("defaultLanguage") == Settings().default_language


def test_the_widget_speaks_the_socketio_channels_configuration():
    channel = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))[
        "rasa_server.socketio.GuardedSocketIOInput"
    ]
    assert js_value("metadataKey") == channel["metadata_key"]
    assert js_value("userMessage") == channel["user_message_evt"]
    assert js_value("botMessage") == channel["bot_message_evt"]


def test_the_widget_listens_to_the_events_the_server_emits():
    assert js_value("language") == socketio_constant("LANGUAGE_EVENT")
    assert js_value("badRequest") == socketio_constant("BAD_REQUEST_EVENT")
