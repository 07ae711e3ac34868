"""The conversation store: a SQL tracker store that forgets a sender on request and after a retention period.

"Delete my data": the action server cannot reach the tracker store, so ``action_delete_my_data`` only sets the slot
``delete_confirmed``; when the rasa server then saves that conversation, this store deletes every stored event of
the sender instead of saving the new ones. The bot's confirmation message has already been sent to the channel;
the next message from that sender starts a new, empty conversation.

Retention (``TRACKER_RETENTION_DAYS``, default 30, 0 = keep forever): a conversation whose last event is older than
that is deleted whole, and so are the events of an active conversation's earlier sessions once they are that old
(the session in progress is never cut). This happens when the store starts, then at most once an hour
(``PURGE_INTERVAL_SECONDS``) in a worker thread started by a save or a retrieve, so the event loop never waits for
it. A conversation found expired by ``retrieve`` is deleted on the spot and not resumed, whatever the purge timing.

Speed: Rasa's store rebuilds the whole session from the database for every message (fetch every event, parse its
JSON, rebuild the event, replay it): 8 ms for a 10-turn conversation and 50 ms for 100 turns on our machines. This
store keeps the trackers it last saved or loaded (the ``cache_size`` most recent conversations, default 256) with
the count and highest id of the sender's stored rows; ``retrieve`` asks the database only for those two numbers
and hands out a copy of the kept tracker when they have not changed. Any write by another process (a second rasa
server of the scale-out, a deletion, a purge of the conversation) changes them, and the session is read from the
database as before. ``cache_size: 0`` turns this off. A save after such a retrieve also knows from the kept tracker how
many events are already stored (Rasa's save counts them with a query over the latest session at every message): it
checks the same two numbers in the saving transaction, adds the new events, and keeps the tracker with the numbers
it worked out, so a message costs the store two small queries and the inserts.

Configured in endpoints.yml (``type: rasa_server.tracker_store.ForgetfulSQLTrackerStore``), with the same keys as
Rasa's ``SQL`` store plus ``retention_days`` (if absent, the environment's ``TRACKER_RETENTION_DAYS``) and
``cache_size``. Works on SQLite and PostgreSQL: the purge is two plain ``DELETE`` statements with subqueries.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import aliased

# RetentionSettingError is raised (and re-exported) here for endpoints.yml's retention_days as for the variable.
from bot.settings import RETENTION_VARIABLE, get_settings
from bot.settings import RetentionSettingError as RetentionSettingError
from bot.settings import parse_retention_days as _parse_days

logger = logging.getLogger(__name__)

DELETE_SLOT = "delete_confirmed"
PURGE_INTERVAL_SECONDS = 3600.0
SECONDS_PER_DAY = 86_400
DEFAULT_CACHE_SIZE = 256


def parse_retention_days(value: Any) -> int:
    """Days to keep conversations, from endpoints.yml or else the settings' TRACKER_RETENTION_DAYS (both checked
    by the same rule of bot/settings.py: RetentionSettingError names the variable and what it accepts)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return get_settings().tracker_retention_days
    return _parse_days(value)


def _tune_sqlite(engine: sa.engine.Engine) -> None:
    """SQLite settings for every connection of the store.

    - ``journal_mode=WAL`` and ``synchronous=NORMAL``: a save no longer waits for the disk to confirm (about 1 ms
      per commit here, and writers do not block readers); the database stays consistent after a crash, and at
      worst the last moments of conversations are lost on a power cut.
    - ``secure_delete=ON``: deleted conversations ("delete my data", retention) are overwritten with zeros in the
      database file instead of lingering in free pages.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    engine.dispose()  # connections opened while Rasa created the table get the settings too


class ForgetfulSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, plus deletion on the user's request and after the retention period.
    Its cache copies Rasa's ``retrieve`` rule: patch 'tracker-store-cache' (rasa_server/patches.py)."""

    def __init__(
        self,
        *args: Any,
        retention_days: Any = None,
        purge_interval_seconds: float = PURGE_INTERVAL_SECONDS,
        cache_size: Any = DEFAULT_CACHE_SIZE,
        **kwargs: Any,
    ) -> None:
        # Checked before connecting, so a bad value stops the start-up at once with its own message.
        self.retention_days = parse_retention_days(retention_days)
        if isinstance(cache_size, bool) or not str(cache_size).strip().isdigit():
            raise ValueError(f"tracker_store cache_size must be a whole number, 0 or more, got {cache_size!r}")
        self.cache_size = int(str(cache_size).strip())
        # sender id -> ((rows stored, highest row id), tracker as saved or loaded); most recently used last
        self._cache: OrderedDict[str, tuple[tuple[int, int | None], DialogueStateTracker]] = OrderedDict()
        self._cache_lock = threading.Lock()  # the purge runs in a worker thread
        self.purge_interval_seconds = float(purge_interval_seconds)
        self._next_purge = 0.0
        self._purge_running: asyncio.Future | None = None
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            _tune_sqlite(self.engine)
        if self.retention_days:
            logger.info("conversations are kept %d days after their last message", self.retention_days)
            self._purge_logged()
            self._next_purge = time.monotonic() + self.purge_interval_seconds
        else:
            logger.info("conversations are kept without time limit (%s=0)", RETENTION_VARIABLE)

    async def save(self, tracker: DialogueStateTracker) -> None:
        self._purge_if_due()
        if tracker.get_slot(DELETE_SLOT) is True:
            deleted = self.delete_conversation(tracker.sender_id)
            # The sender id is a pseudonymous key, but not needed in the log either.
            logger.info("deleted a conversation on the user's request (%d stored events)", deleted)
            return
        with self._cache_lock:  # if the save fails half-way, the next retrieve reads the database
            entry = self._cache.pop(tracker.sender_id, None)
        await self.stream_events(tracker)  # as Rasa's save (a no-op without an event broker)
        with self.session_scope() as session:
            marker = self._stored_marker(tracker.sender_id, session) if entry is not None else None
            stored = self._stored_in_session(tracker, entry, marker)
            stale = entry is not None and stored is None  # someone else wrote this conversation since it was kept
            if stored is None:  # Rasa's own count (latest session)
                stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
                marker = None
            rows = [self._row(tracker.sender_id, event) for event in itertools.islice(tracker.events, stored, None)]
            session.add_all(rows)
            session.flush()  # gives the rows their ids before the commit (reading them after it would query again)
            new_marker = None
            if marker is not None:
                new_marker = (marker[0] + len(rows), max([marker[1] or 0, *(row.id for row in rows)]) or None)
            session.commit()
        logger.debug("conversation stored (%d new events)", len(rows))
        if not stale:  # after a concurrent write the database may hold other events than ``tracker``: read it next
            self._remember(tracker, new_marker)

    def _stored_in_session(
        self,
        tracker: DialogueStateTracker,
        entry: tuple[tuple[int, int | None], DialogueStateTracker] | None,
        marker: tuple[int, int | None] | None,
    ) -> int | None:
        """How many of ``tracker``'s events are already stored, known without counting them in the database: the
        kept tracker's, when the database holds exactly what it was kept from (``marker``, read in the saving
        transaction) and ``tracker`` goes on from its events (the same objects: the retrieve's copy shares them).
        That is the number Rasa's save counts with a query over the latest session; None when not known."""
        if entry is None or marker is None or entry[0] != marker:
            return None
        kept = entry[1].events
        if len(kept) > len(tracker.events) or any(a is not b for a, b in zip(kept, tracker.events, strict=False)):
            return None
        return len(kept)

    def _row(self, sender_id: str, event: Any) -> Any:
        """The database row of one event, exactly as Rasa 3.6.21's ``SQLTrackerStore.save`` builds it."""
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        self._purge_if_due()
        kept = self._cached(sender_id)
        if kept is not None:
            return self._unless_expired(kept)
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._remember(tracker)
        return self._unless_expired(tracker)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        self._purge_if_due()
        return self._unless_expired(await super().retrieve_full_tracker(conversation_id))

    def _stored_marker(self, sender_id: str, session: Any = None) -> tuple[int, int | None]:
        """(rows stored, highest row id) of ``sender_id``: one indexed query; any write changes it. In ``session``
        when given (the saving transaction), else in a session of its own."""
        if session is None:
            with self.session_scope() as own:
                return self._stored_marker(sender_id, own)
        count, highest = (
            session.query(sa.func.count(self.SQLEvent.id), sa.func.max(self.SQLEvent.id))
            .filter(self.SQLEvent.sender_id == sender_id)
            .one()
        )
        return int(count), highest

    def _remember(self, tracker: DialogueStateTracker, marker: tuple[int, int | None] | None = None) -> None:
        """Keep ``tracker`` with the marker of what is stored: ``marker`` when the save worked it out (the rows it
        found plus the rows it added, the highest id among them; a write by anyone else in between makes it differ
        from the database, so the next retrieve reads the database), else read now."""
        if not self.cache_size or self.domain is None:
            return
        entry = (marker or self._stored_marker(tracker.sender_id), self._as_loaded(tracker))
        with self._cache_lock:
            self._cache[tracker.sender_id] = entry
            self._cache.move_to_end(tracker.sender_id)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def _as_loaded(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """The tracker Rasa's ``retrieve`` would build from the database now: the events of the latest session only
        (from the latest SessionStarted's time on, the same comparison as its SQL query), replayed on the domain's
        slots. After a new session began in this turn, the events of the earlier one are not part of it."""
        starts = [event.timestamp for event in tracker.events if isinstance(event, SessionStarted)]
        events = (
            [event for event in tracker.events if event.timestamp >= max(starts)] if starts else list(tracker.events)
        )
        return DialogueStateTracker.from_events(tracker.sender_id, events, self.domain.slots)

    def _cached(self, sender_id: str) -> DialogueStateTracker | None:
        """A copy of the kept tracker of ``sender_id`` if the database still holds exactly what it was built from."""
        if not self.cache_size:
            return None
        with self._cache_lock:
            entry = self._cache.get(sender_id)
        if entry is None:
            return None
        marker, tracker = entry
        if self._stored_marker(sender_id) != marker:
            self._forget(sender_id)
            return None
        with self._cache_lock:
            if sender_id in self._cache:
                self._cache.move_to_end(sender_id)
        return tracker.copy()  # the caller adds events to its copy; the kept one stays as stored

    def _forget(self, sender_id: str) -> None:
        """Drop the kept tracker of ``sender_id``."""
        with self._cache_lock:
            self._cache.pop(sender_id, None)

    def delete_conversation(self, sender_id: str) -> int:
        """Delete every stored event of ``sender_id``; returns how many rows were deleted."""
        self._forget(sender_id)
        with self.session_scope() as session:
            deleted = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()
            self._empty_write_ahead_log(session)
        return int(deleted)

    def _empty_write_ahead_log(self, session: Any) -> None:
        """After a deletion on SQLite: the deleted pages are zeroed (secure_delete), but the write-ahead log still
        holds their earlier images until a checkpoint; copy it into the database and empty it now."""
        if self.engine.dialect.name == "sqlite":
            session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))

    def retention_cutoff(self) -> float | None:
        """Unix time before which stored events are past retention; ``None`` when kept forever."""
        if not self.retention_days:
            return None
        return time.time() - self.retention_days * SECONDS_PER_DAY

    def purge_expired(self) -> tuple[int, int]:
        """Delete what is past retention; returns (events of expired conversations, events of old sessions)."""
        cutoff = self.retention_cutoff()
        if cutoff is None:
            return 0, 0
        event = self.SQLEvent
        expired_senders = (
            sa.select(event.sender_id).group_by(event.sender_id).having(sa.func.max(event.timestamp) < cutoff)
        )
        started = aliased(event)
        current_session_start = (
            sa.select(sa.func.max(started.timestamp))
            .where(started.sender_id == event.sender_id, started.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        with self.session_scope() as session:
            conversations = session.query(event).filter(event.sender_id.in_(expired_senders))
            expired = conversations.delete(synchronize_session=False)
            # Rasa reads a conversation from its latest SessionStarted on (same comparison as its event query),
            # so deleting strictly earlier events never changes what it loads or how it counts stored events.
            old_sessions = session.query(event).filter(
                event.timestamp < cutoff, event.timestamp < current_session_start
            )
            earlier = old_sessions.delete(synchronize_session=False)
            session.commit()
            if expired or earlier:
                self._empty_write_ahead_log(session)
        return int(expired), int(earlier)

    def _purge_logged(self) -> None:
        try:
            expired, earlier = self.purge_expired()
        except Exception:  # the store keeps serving; the next purge tries again
            logger.exception("the retention purge of the conversation store failed")
            return
        if expired or earlier:
            logger.info(
                "retention (%d days): deleted %d events of expired conversations and %d events of earlier sessions",
                self.retention_days,
                expired,
                earlier,
            )

    def _purge_if_due(self) -> None:
        """Start the periodic purge in a worker thread when it is due and none is running."""
        if not self.retention_days or time.monotonic() < self._next_purge:
            return
        if self._purge_running is not None and not self._purge_running.done():
            return
        self._next_purge = time.monotonic() + self.purge_interval_seconds
        self._purge_running = asyncio.get_running_loop().run_in_executor(None, self._purge_logged)

    def _unless_expired(self, tracker: DialogueStateTracker | None) -> DialogueStateTracker | None:
        cutoff = self.retention_cutoff()
        if tracker is None or cutoff is None or not tracker.events:
            return tracker
        last = tracker.events[-1].timestamp
        if last is None or last >= cutoff:
            return tracker
        deleted = self.delete_conversation(tracker.sender_id)
        logger.info(
            "retention (%d days): deleted an expired conversation on its return (%d stored events)",
            self.retention_days,
            deleted,
        )
        return None
