"""The conversation store's "delete my data" (rasa_server/tracker_store.py), on a real SQLite file.

The rasa environment has no pytest-asyncio: each test runs its coroutine with asyncio.run.
"""

from __future__ import annotations

import asyncio
import sqlite3

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_server.tracker_store import ForgetfulSQLTrackerStore

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
slots:
  delete_confirmed:
    type: bool
    initial_value: false
    influence_conversation: false
    mappings: [{type: custom}]
"""
)


def rows(db: str, sender: str) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def conversation(sender: str, *texts: str) -> DialogueStateTracker:
    events = []
    for text in texts:
        events += [UserUttered(text, {"name": "greet"}), ActionExecuted("utter_greet"), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events(sender, events, DOMAIN.slots)


def test_a_confirmed_deletion_removes_every_event_of_that_sender_only(tmp_path):
    asyncio.run(_confirmed_deletion(tmp_path))


async def _confirmed_deletion(tmp_path):
    db = str(tmp_path / "tracker.db")
    store = ForgetfulSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
    await store.save(conversation("alice", "hello", "my data"))
    await store.save(conversation("bob", "hi"))
    assert rows(db, "alice") > 0 and rows(db, "bob") > 0

    tracker = await store.retrieve("alice")
    tracker.update(SlotSet("delete_confirmed", True))
    await store.save(tracker)

    assert rows(db, "alice") == 0
    assert await store.retrieve("alice") is None
    assert rows(db, "bob") > 0


def test_without_confirmation_the_conversation_is_saved_as_usual(tmp_path):
    asyncio.run(_without_confirmation(tmp_path))


async def _without_confirmation(tmp_path):
    db = str(tmp_path / "tracker.db")
    store = ForgetfulSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
    tracker = conversation("carol", "hello")
    tracker.update(SlotSet("delete_confirmed", False))
    await store.save(tracker)
    assert rows(db, "carol") > 0
