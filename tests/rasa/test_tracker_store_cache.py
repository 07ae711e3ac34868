"""Trackers kept in memory by the conversation store (rasa_server/tracker_store.py), on SQLite and PostgreSQL.

What a user would notice if the kept tracker were wrong: a turn answered by another rasa server missing from the
conversation, a deleted conversation coming back, a half-finished turn resumed, events stored twice after a new
session. Each test compares with what the database holds or with a store that keeps nothing (``cache_size=0``).
"""

from __future__ import annotations

import asyncio
import time

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from test_tracker_store_retention import (  # noqa: F401  (fixtures: make_store, postgres, no_retention_variable)
    make_store,
    no_retention_variable,
    postgres,
    session,
    stored_rows,
    stored_texts,
    tracker,
    turn,
)

from rasa_server.tracker_store import ForgetfulSQLTrackerStore


def snapshot(tracker):
    """What the dialogue sees of a tracker: its events, slot values, active form and latest message."""
    if tracker is None:
        return None
    return (
        [event.as_dict() for event in tracker.events],
        tracker.current_slot_values(),
        tracker.active_loop_name,
        tracker.latest_message.text if tracker.latest_message else None,
    )


def test_a_kept_tracker_is_the_one_the_database_would_give(make_store, monkeypatch):
    async def scenario():
        store, reader = make_store(retention_days=0), make_store(retention_days=0, cache_size=0)
        now = time.time()
        await store.save(tracker("alice", session(now - 60, "bonjour", "ma carte vitale")))
        loads = []
        original = ForgetfulSQLTrackerStore._event_query
        monkeypatch.setattr(
            ForgetfulSQLTrackerStore, "_event_query", lambda self, *a, **k: loads.append(1) or original(self, *a, **k)
        )
        kept = await store.retrieve("alice")
        assert loads == []  # served without reading the events
        assert snapshot(kept) == snapshot(await reader.retrieve("alice"))
        assert kept.get_slot("language") == "fr" and kept.latest_message.text == "ma carte vitale"

    asyncio.run(scenario())


def test_a_turn_saved_by_another_server_is_part_of_the_conversation(make_store):
    async def scenario():
        here, there = make_store(retention_days=0), make_store(retention_days=0)
        now = time.time()
        await here.save(tracker("bob", session(now - 60, "hello")))
        assert (await here.retrieve("bob")).latest_message.text == "hello"  # kept here now

        elsewhere = await there.retrieve("bob")  # the next message went to the other server
        for event in turn("what is a mutuelle", now - 30):
            elsewhere.update(event)
        await there.save(elsewhere)

        resumed = await here.retrieve("bob")
        assert resumed.latest_message.text == "what is a mutuelle"
        assert [e.text for e in resumed.events if isinstance(e, UserUttered)] == ["hello", "what is a mutuelle"]

    asyncio.run(scenario())


def test_a_save_after_a_retrieve_stores_the_new_events_once_without_counting_the_session(make_store, monkeypatch):
    """The save knows from the kept tracker how many events are stored (Rasa counts them with a query over the
    latest session at every message); what ends in the database is the same."""

    async def scenario():
        store, reader = make_store(retention_days=0), make_store(retention_days=0, cache_size=0)
        now = time.time()
        await store.save(tracker("frank", session(now - 60, "hello")))
        counts = []
        original = ForgetfulSQLTrackerStore._event_query
        monkeypatch.setattr(
            ForgetfulSQLTrackerStore, "_event_query", lambda self, *a, **k: counts.append(1) or original(self, *a, **k)
        )
        for number, text in enumerate(["what is a mutuelle", "and the CSS?", "thanks"]):
            live = await store.retrieve("frank")
            for event in turn(text, now - 50 + number):
                live.update(event)
            await store.save(live)
        assert counts == []
        monkeypatch.setattr(ForgetfulSQLTrackerStore, "_event_query", original)
        assert stored_rows(store, "frank") == len(session(now - 60, "hello")) + 3 * len(turn("x", now))
        assert snapshot(await store.retrieve("frank")) == snapshot(await reader.retrieve("frank"))

    asyncio.run(scenario())


def test_a_save_after_another_servers_write_stores_what_rasas_store_would(make_store):
    """Two servers answered the same conversation without a lock: the kept tracker is stale, so the save counts as
    Rasa's store does — the same rows as when this server keeps nothing."""

    async def run(cache_size):
        here, there = make_store(retention_days=0, cache_size=cache_size), make_store(retention_days=0)
        sender = f"gina-{cache_size}"
        now = time.time()
        await here.save(tracker(sender, session(now - 60, "hello")))
        mine = await here.retrieve(sender)
        theirs = await there.retrieve(sender)
        for event in turn("written elsewhere", now - 40):
            theirs.update(event)
        await there.save(theirs)
        for event in turn("written here", now - 30):
            mine.update(event)
        await here.save(mine)
        return stored_texts(here, sender), stored_rows(here, sender), snapshot(await here.retrieve(sender))

    async def scenario():
        cached, uncached = await run(256), await run(0)
        assert cached[:2] == uncached[:2]
        fresh = make_store(retention_days=0, cache_size=0)
        assert cached[2] == snapshot(await fresh.retrieve("gina-256"))

    asyncio.run(scenario())


def test_a_conversation_deleted_by_another_server_does_not_come_back(make_store):
    async def scenario():
        here, there = make_store(retention_days=0), make_store(retention_days=0)
        await here.save(tracker("carol", session(time.time() - 60, "my NIR is [NIR]")))
        assert await here.retrieve("carol") is not None
        there.delete_conversation("carol")
        assert await here.retrieve("carol") is None

    asyncio.run(scenario())


def test_events_added_but_never_saved_are_not_resumed(make_store):
    """A turn that failed half-way (the action server died) must not leave its events in the next turn."""

    async def scenario():
        store = make_store(retention_days=0)
        await store.save(tracker("dave", session(time.time() - 60, "hello")))
        half_done = await store.retrieve("dave")
        half_done.update(UserUttered("lost turn", {"name": "greet"}))
        half_done.update(SlotSet("language", "en"))
        again = await store.retrieve("dave")
        assert again.latest_message.text == "hello" and again.get_slot("language") == "fr"

    asyncio.run(scenario())


def test_after_a_new_session_only_that_session_is_kept_and_nothing_is_stored_twice(make_store):
    async def scenario():
        store, reader = make_store(retention_days=0), make_store(retention_days=0, cache_size=0)
        now = time.time()
        first = tracker("erin", session(now - 7200, "hello"))
        await store.save(first)
        live = await store.retrieve("erin")
        for event in session(now - 60, "back again"):  # the session expired: Rasa starts a new one in this turn
            live.update(event)
        await store.save(live)
        kept = await store.retrieve("erin")
        assert snapshot(kept) == snapshot(await reader.retrieve("erin"))
        assert not any(isinstance(e, UserUttered) and e.text == "hello" for e in kept.events)

        kept.update(UserUttered("one more", {"name": "greet"}, timestamp=now - 10))
        kept.update(BotUttered("ok", timestamp=now - 9))
        kept.update(ActionExecuted("action_listen", timestamp=now - 8))
        await store.save(kept)
        assert stored_rows(store, "erin") == len(first.events) + len(session(now - 60, "back again")) + 3

    asyncio.run(scenario())


def test_only_the_most_recent_conversations_are_kept_and_zero_keeps_none(make_store):
    async def scenario():
        store, none = make_store(retention_days=0, cache_size=2), make_store(retention_days=0, cache_size=0)
        now = time.time()
        for name in ("f1", "f2", "f3"):
            await store.save(tracker(name, session(now - 60, f"hello {name}")))
            await none.retrieve(name)
        assert list(store._cache) == ["f2", "f3"] and len(none._cache) == 0
        assert (await store.retrieve("f1")).latest_message.text == "hello f1"  # read again from the database

    asyncio.run(scenario())


@pytest.mark.parametrize("value", ["-1", "many", True, 2.5])
def test_a_bad_cache_size_stops_the_start_up_with_a_clear_message(make_store, value):
    with pytest.raises(ValueError, match="cache_size must be a whole number"):
        make_store(retention_days=0, cache_size=value)
