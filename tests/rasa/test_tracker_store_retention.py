"""Retention of the conversation store (rasa_server/tracker_store.py), on SQLite and on a real PostgreSQL.

Each test runs against both databases: an SQLite file, and a database in a throw-away PostgreSQL cluster started
from Debian's binaries (skipped, with the reason, when they are not installed; deploy/scaleout.sh installs them).
Old conversations are written with old event timestamps by a store that keeps everything, as another rasa server
of a scale-out would; the store under test must then delete them. The rasa environment has no pytest-asyncio:
coroutines run with asyncio.run.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import get_settings
from rasa_server.tracker_store import ForgetfulSQLTrackerStore, RetentionSettingError, parse_retention_days

ROOT = Path(__file__).resolve().parents[2]
DAY = 86_400.0
DOMAIN = Domain.from_yaml(
    """
version: "3.1"
slots:
  language:
    type: categorical
    values: [en, fr]
    influence_conversation: false
    mappings: [{type: custom}]
  delete_confirmed:
    type: bool
    initial_value: false
    influence_conversation: false
    mappings: [{type: custom}]
"""
)


def turn(text: str, at: float) -> list:
    return [
        UserUttered(text, {"name": "greet"}, timestamp=at),
        ActionExecuted("utter_greet", timestamp=at + 0.1),
        ActionExecuted("action_listen", timestamp=at + 0.2),
    ]


def session(at: float, *texts: str) -> list:
    """A conversation session as Rasa stores it: action_session_start, SessionStarted, then the turns."""
    events = [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at + 0.01),
        SlotSet("language", "fr", timestamp=at + 0.02),
        ActionExecuted("action_listen", timestamp=at + 0.03),
    ]
    for i, text in enumerate(texts):
        events += turn(text, at + 1 + i)
    return events


def tracker(sender: str, events: list) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, DOMAIN.slots)


def days_ago(days: float) -> float:
    return time.time() - days * DAY


def stored_texts(store: ForgetfulSQLTrackerStore, sender: str) -> list[str]:
    """User messages of every session of ``sender`` as stored, read with SQL, not through the store's API."""
    import json

    with store.session_scope() as db:
        rows = db.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).order_by(store.SQLEvent.id).all()
        return [json.loads(row.data).get("text") for row in rows if row.type_name == "user"]


def stored_rows(store: ForgetfulSQLTrackerStore, sender: str) -> int:
    with store.session_scope() as db:
        return db.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).count()


# --- the two databases -------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).resolve().parent if pg_ctl else None


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, Any]]:
    """A PostgreSQL cluster of its own on a free loopback port, removed afterwards."""
    bin_dir = _postgres_bin()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        pytest.skip("PostgreSQL binaries not installed (apt-get install postgresql; deploy/scaleout.sh does it)")
    # PostgreSQL refuses to run as root: as root the cluster belongs to the postgres user, in a directory it can
    # reach (pytest's own temporary directories are private to root).
    directory = Path(tempfile.mkdtemp(prefix="expat-sante-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        os.chmod(directory, 0o755)
        shutil.chown(directory, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port, user = directory / "data", _free_port(), "expat_sante_test"
    subprocess.run(
        [
            *as_user,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            user,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    pg_ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        [
            *pg_ctl,
            "-l",
            str(directory / "log"),
            "-w",
            "-t",
            "60",
            "start",
            "-o",
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={directory}",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield {"host": "127.0.0.1", "port": port, "username": user}
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(request, tmp_path) -> Callable[..., ForgetfulSQLTrackerStore]:
    """Stores on one fresh database (each call: another rasa server on the same database)."""
    if request.param == "sqlite":
        keys: dict[str, Any] = {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    else:
        server = request.getfixturevalue("postgres")
        import psycopg2

        name = f"t_{uuid.uuid4().hex[:12]}"
        connection = psycopg2.connect(
            dbname="postgres", user=server["username"], host=server["host"], port=server["port"]
        )
        connection.autocommit = True
        connection.cursor().execute(f"CREATE DATABASE {name}")
        connection.close()
        keys = {"dialect": "postgresql", "db": name, **server}
    stores: list[ForgetfulSQLTrackerStore] = []

    def make(**settings: Any) -> ForgetfulSQLTrackerStore:
        stores.append(ForgetfulSQLTrackerStore(domain=DOMAIN, **keys, **settings))
        return stores[-1]

    yield make
    for store in stores:
        store.engine.dispose()


@pytest.fixture(autouse=True)
def no_retention_variable(monkeypatch):
    monkeypatch.delenv("TRACKER_RETENTION_DAYS", raising=False)


# --- retention ---------------------------------------------------------------------------------------------------


def test_start_up_deletes_conversations_idle_past_retention_and_keeps_recent_ones(make_store):
    async def scenario():
        other_server = make_store(retention_days=0)
        await other_server.save(tracker("idle-40-days", session(days_ago(40), "bonjour", "ma carte vitale")))
        await other_server.save(tracker("idle-29-days", session(days_ago(29), "hello")))
        # Started 40 days ago but still talking today: its last event is recent, so it stays.
        await other_server.save(
            tracker("long-running", session(days_ago(40), "first") + turn("today", days_ago(0.001)))
        )

        store = make_store(retention_days=30)
        assert stored_rows(store, "idle-40-days") == 0
        assert stored_texts(store, "idle-29-days") == ["hello"]
        assert stored_texts(store, "long-running") == ["first", "today"]
        assert sorted(await store.keys()) == ["idle-29-days", "long-running"]

    asyncio.run(scenario())


def test_retention_zero_keeps_every_conversation(make_store):
    async def scenario():
        writer = make_store(retention_days=0)
        await writer.save(tracker("ancient", session(days_ago(3650), "il y a dix ans")))
        store = make_store(retention_days=0, purge_interval_seconds=0)
        restored = await store.retrieve("ancient")
        await store.save(tracker("other", session(days_ago(0), "now")))
        await asyncio.sleep(0.2)
        assert restored is not None and restored.get_slot("language") == "fr"
        assert stored_texts(store, "ancient") == ["il y a dix ans"]

    asyncio.run(scenario())


def test_the_retention_comes_from_the_environment_when_endpoints_do_not_set_it(make_store, monkeypatch):
    async def scenario():
        writer = make_store(retention_days=0)
        await writer.save(tracker("idle-8-days", session(days_ago(8), "hi")))
        await writer.save(tracker("idle-6-days", session(days_ago(6), "salut")))
        monkeypatch.setenv("TRACKER_RETENTION_DAYS", "7")
        get_settings.cache_clear()  # the settings are read once per process: read them again
        store = make_store()
        assert store.retention_days == 7
        assert stored_rows(store, "idle-8-days") == 0
        assert stored_texts(store, "idle-6-days") == ["salut"]

    asyncio.run(scenario())


def test_an_expired_conversation_is_not_resumed_even_before_the_next_purge(make_store):
    async def scenario():
        store = make_store(retention_days=30)  # its start-up purge is done; the next one is an hour away
        writer = make_store(retention_days=0)
        await writer.save(tracker("back-after-31-days", session(days_ago(31), "mon numéro de sécu")))

        assert await store.retrieve("back-after-31-days") is None
        assert stored_rows(store, "back-after-31-days") == 0
        # The new conversation is stored from scratch, without the old events.
        await store.save(tracker("back-after-31-days", session(days_ago(0), "bonjour")))
        assert stored_texts(store, "back-after-31-days") == ["bonjour"]

    asyncio.run(scenario())


def test_purge_runs_again_while_serving_but_at_most_once_per_interval(make_store):
    async def scenario():
        store = make_store(retention_days=30, purge_interval_seconds=3)
        writer = make_store(retention_days=0)
        await writer.save(tracker("went-quiet", session(days_ago(45), "hello")))

        await store.retrieve("someone-else")  # right after start-up: not due yet
        await asyncio.sleep(0.5)
        assert stored_rows(store, "went-quiet") > 0

        await asyncio.sleep(3)
        await store.save(tracker("someone-else", session(days_ago(0), "hi")))  # due: starts the purge
        deadline = time.monotonic() + 10
        while stored_rows(store, "went-quiet") and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert stored_rows(store, "went-quiet") == 0
        assert stored_texts(store, "someone-else") == ["hi"]

    asyncio.run(scenario())


def test_earlier_sessions_past_retention_go_the_session_in_progress_stays_whole(make_store):
    async def scenario():
        writer = make_store(retention_days=0)
        old = session(days_ago(60), "il y a deux mois")
        recent = session(days_ago(10), "il y a dix jours")
        current = session(days_ago(0.01), "aujourd'hui", "et encore")
        await writer.save(tracker("regular", old + recent + current))
        # One long session that began before the cutoff and goes on today: each conversation has its own
        # session in progress, so nothing of it goes.
        long_session = session(days_ago(35), "début") + turn("toujours là", days_ago(0.001))
        await writer.save(tracker("marathon", session(days_ago(50), "avant") + long_session))

        store = make_store(retention_days=30)
        assert stored_texts(store, "regular") == ["il y a dix jours", "aujourd'hui", "et encore"]
        assert stored_texts(store, "marathon") == ["début", "toujours là"]

        # Rasa keeps working on that conversation: the session in progress loads whole, the next turn is
        # stored once, after the others.
        resumed = await store.retrieve("regular")
        assert [e.text for e in resumed.events if isinstance(e, UserUttered)] == ["aujourd'hui", "et encore"]
        assert resumed.get_slot("language") == "fr"
        for event in turn("une question de plus", time.time()):
            resumed.update(event)
        await store.save(resumed)
        assert stored_texts(store, "regular") == [
            "il y a dix jours",
            "aujourd'hui",
            "et encore",
            "une question de plus",
        ]

    asyncio.run(scenario())


def test_delete_my_data_still_removes_the_conversation_with_retention_on(make_store):
    async def scenario():
        store = make_store(retention_days=30)
        await store.save(tracker("alice", session(days_ago(0), "my data")))
        await store.save(tracker("bob", session(days_ago(0), "hi")))
        alice = await store.retrieve("alice")
        alice.update(SlotSet("delete_confirmed", True))
        await store.save(alice)
        assert stored_rows(store, "alice") == 0
        assert stored_texts(store, "bob") == ["hi"]

    asyncio.run(scenario())


# --- the setting -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, days", [(None, 30), ("", 30), ("0", 0), ("30", 30), (" 90 ", 90), (365, 365)])
def test_retention_values_accepted(value, days):
    assert parse_retention_days(value) == days


@pytest.mark.parametrize("value", ["-1", "1.5", "thirty", "30d", "1e3", True, -5])
def test_bad_retention_values_are_refused_with_the_variable_named(value):
    with pytest.raises(RetentionSettingError, match="TRACKER_RETENTION_DAYS.*whole number of days"):
        parse_retention_days(value)


def test_a_bad_retention_is_refused_before_connecting(tmp_path):
    with pytest.raises(RetentionSettingError, match="got '-3'"):
        ForgetfulSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"), retention_days="-3")
    assert not (tmp_path / "t.db").exists()


def test_rasa_run_stops_at_start_up_with_a_clear_message_on_a_bad_retention(tmp_path):
    """The real server, with the project's endpoints.yml: the error is the last line, and nothing listens."""
    env = dict(
        os.environ,
        TRACKER_RETENTION_DAYS="a month",
        TRACKER_DB=str(tmp_path / "tracker.db"),
        TRACKER_DIALECT="sqlite",
        ACTION_ENDPOINT_URL="http://127.0.0.1:9/webhook",
        PYTHONPATH=str(ROOT),
        RASA_TELEMETRY_ENABLED="false",
    )
    port = _free_port()
    # The store is made before the model is read: an empty file passes Rasa's "is there a model" check.
    (tmp_path / "model.tar.gz").write_bytes(b"")
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "run",
            "--endpoints",
            str(ROOT / "endpoints.yml"),
            "--model",
            str(tmp_path / "model.tar.gz"),
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output[-3000:]
    last_line = [line for line in output.splitlines() if "RetentionSettingError" in line][-1]
    assert "TRACKER_RETENTION_DAYS" in last_line and "'a month'" in last_line


# --- SQLite files -------------------------------------------------------------------------------------------------


def test_sqlite_store_uses_wal_and_secure_delete(tmp_path):
    store = ForgetfulSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    try:
        with store.engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 1  # NORMAL
            assert pragma("secure_delete") == 1
    finally:
        store.engine.dispose()


def test_after_delete_my_data_the_words_are_in_no_database_file(tmp_path):
    """Not only unreachable through SQL: the deleted messages are not left in free pages or in the write-ahead
    log of the SQLite files either."""
    marker = "zq-unique-words-of-alice-" + uuid.uuid4().hex

    async def scenario():
        store = make_sqlite()
        await store.save(tracker("alice", session(days_ago(0), marker, marker + " again")))
        await store.save(tracker("bob", session(days_ago(0), "bonjour")))
        assert any(marker.encode() in path.read_bytes() for path in database_files())
        alice = await store.retrieve("alice")
        alice.update(SlotSet("delete_confirmed", True))
        await store.save(alice)
        assert stored_texts(store, "bob") == ["bonjour"]
        for path in database_files():  # while the server still runs
            assert marker.encode() not in path.read_bytes(), path.name
        store.engine.dispose()

    def make_sqlite() -> ForgetfulSQLTrackerStore:
        return ForgetfulSQLTrackerStore(
            domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"), retention_days=0
        )

    def database_files() -> list[Path]:
        return [path for path in tmp_path.iterdir() if path.name.startswith("tracker.db")]

    asyncio.run(scenario())
    for path in database_files():
        assert marker.encode() not in path.read_bytes(), path.name


def test_after_the_retention_purge_the_words_are_in_no_database_file(tmp_path):
    marker = "zq-words-of-an-idle-conversation-" + uuid.uuid4().hex
    db = str(tmp_path / "tracker.db")

    async def scenario():
        writer = ForgetfulSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db, retention_days=0)
        # Another process keeps a connection open (as a running server does), so SQLite does not fold the
        # write-ahead log into the database when the stores' own connections close.
        await writer.save(tracker("recent", session(days_ago(1), "bonjour")))  # the file is in WAL mode now
        other_process = sqlite3.connect(db)
        other_process.execute("SELECT COUNT(*) FROM events").fetchone()
        await writer.save(tracker("idle", session(days_ago(45), marker)))
        assert marker.encode() in (tmp_path / "tracker.db-wal").read_bytes()
        store = ForgetfulSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db, retention_days=30)
        assert stored_texts(store, "recent") == ["bonjour"]
        for path in tmp_path.iterdir():  # while the other process still runs
            assert marker.encode() not in path.read_bytes(), path.name
        other_process.close()
        store.engine.dispose()
        writer.engine.dispose()

    asyncio.run(scenario())
