"""The cached validation of action-server replies (rasa_server/patches.py) accepts and rejects exactly what
Rasa 3.6's own validation does, with the same error, and builds its validator once."""

from __future__ import annotations

from typing import Any
from unittest import mock

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import rasa_server  # noqa: F401  (importing the connectors applies the patches, as in the rasa server)
from rasa_server import patches

VALID = [
    {},
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "language", "value": "fr", "timestamp": None},
            {"event": "active_loop", "name": None},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"response": "utter_greet"}, {"text": "Bonjour", "buttons": []}, {"custom": {"type": "x"}}],
    },
]
INVALID = [
    {"events": [{"event": "slot"}]},
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"responses": ["a string, not an object"]},
]


def rasa_original(result: dict[str, Any]) -> None:
    """What Rasa 3.6 runs without the patch."""
    jsonschema.validate(result, RemoteAction.action_response_format_spec())


def test_the_rasa_server_gets_the_patched_validation() -> None:
    assert RemoteAction._validate_action_result is patches._validate_action_result
    assert patches.apply() is True  # applying twice changes nothing


@pytest.mark.parametrize("reply", VALID)
def test_valid_replies_pass_as_before(reply: dict[str, Any]) -> None:
    rasa_original(reply)
    assert RemoteAction("action_x", None)._validate_action_result(reply) is True


@pytest.mark.parametrize("reply", INVALID)
def test_invalid_replies_fail_with_rasas_error(reply: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError) as original:
        rasa_original(reply)
    with pytest.raises(jsonschema.ValidationError) as patched:
        RemoteAction("action_x", None)._validate_action_result(reply)
    assert patched.value.message.startswith(original.value.message)
    assert "Failed to validate Action server response from API" in patched.value.message
    assert list(patched.value.path) == list(original.value.path)


def test_the_schema_is_checked_once_not_per_reply() -> None:
    patches.action_reply_validator.cache_clear()
    with mock.patch.object(jsonschema.Draft202012Validator, "check_schema",
                           wraps=jsonschema.Draft202012Validator.check_schema) as check, \
         mock.patch.object(jsonschema.Draft7Validator, "check_schema",
                           wraps=jsonschema.Draft7Validator.check_schema) as check7:
        for _ in range(5):
            RemoteAction("action_x", None)._validate_action_result(VALID[2])
    assert check.call_count + check7.call_count == 1
