"""The action server's executor (actions/sdk_shim.py) with Rasa 3.6's selective domain (endpoints.yml): calls that
carry no domain still run, and the forms' validation actions get the domain Rasa sends them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.sdk_shim import SelectiveDomainExecutor

ROOT = Path(__file__).resolve().parents[3]


def tracker(text: str, intent: str, slots: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "sender_id": "someone",
        "slots": slots or {},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []},
        "events": [],
        "active_loop": {},
        "latest_action_name": "action_listen",
    }


@pytest.fixture
def executor() -> SelectiveDomainExecutor:
    executor = SelectiveDomainExecutor()
    executor.register_package("actions")
    return executor


async def test_a_call_without_domain_runs(executor):
    """What Rasa 3.6 sends to action_read_message after every user message (no domain, no digest)."""
    result = await executor.run(
        {
            "next_action": "action_read_message",
            "sender_id": "someone",
            "tracker": tracker("Bonjour, j'ai perdu ma carte vitale", "ask_knowledge"),
            "version": "3.6.21",
        }
    )
    slots = {e["name"]: e["value"] for e in result.model_dump()["events"] if e["event"] == "slot"}
    assert slots["language"] == "fr"


async def test_a_form_validation_gets_the_domain(executor):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    call = {
        "next_action": "validate_cost_form",
        "sender_id": "someone",
        "version": "3.6.21",
        "tracker": tracker("combien pour un généraliste ?", "ask_cost", {"language": "fr"}),
    }
    result = await executor.run({**call, "domain": domain})
    # The form's questions come from the domain: with it, the form asks its first question (the care).
    assert {"event": "slot", "timestamp": None, "name": "requested_slot", "value": "care"} in result.model_dump()[
        "events"
    ]
