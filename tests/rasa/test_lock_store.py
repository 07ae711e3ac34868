"""The scale-out's lock store (rasa_server/lock_store.py) against a real Redis: several processes, one conversation.

Each worker process stands for a rasa server; each "turn" holds the conversation's lock while it reads a counter,
waits a little and writes it back, and records whether another process was inside at the same time. With a lock
that works, no turn overlaps another and no increment is lost. (Rasa 3.6's own RedisLockStore fails this test:
two processes that ask for a ticket at the same instant both get ticket 0.)

Redis is a throw-away `redis-server` on a free loopback port (installed by `deploy/scaleout.sh install`, which
`make test` runs before this stage; skipped with the reason where it is absent).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

redis = pytest.importorskip("redis")

from rasa.core.lock_store import LockStore  # noqa: E402
from rasa.utils.endpoints import EndpointConfig  # noqa: E402

from rasa_server.lock_store import EXPIRY_MARGIN_SECONDS, AtomicRedisLockStore  # noqa: E402

WORKERS = 4
TURNS = 15
CONVERSATION = "conversation-under-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server not installed (deploy/scaleout.sh install)")
    port = _free_port()
    directory = tempfile.mkdtemp(prefix="expat-sante-redis-")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("redis-server did not start")
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def client(redis_port: int) -> Iterator[redis.Redis]:
    client = redis.Redis(port=redis_port, db=1)
    client.flushdb()
    yield client
    client.flushdb()


def make_store(port: int) -> AtomicRedisLockStore:
    """Built the way `rasa run` builds it from deploy/endpoints.scaleout.yml."""
    store = LockStore.create(
        EndpointConfig.from_dict(
            {
                "type": "rasa_server.lock_store.AtomicRedisLockStore",
                "url": "127.0.0.1",
                "port": port,
                "db": 1,
                "key_prefix": "expatsante",
            }
        )
    )
    assert isinstance(store, AtomicRedisLockStore)
    return store


def _worker(port: int, start_at: float, results: multiprocessing.Queue) -> None:
    """One "rasa server": TURNS turns of the same conversation, each inside the conversation's lock."""
    store = make_store(port)
    shared = redis.Redis(port=port, db=2)

    async def turns() -> int:
        overlaps = 0
        for _ in range(TURNS):
            async with store.lock(CONVERSATION, lock_lifetime=10, wait_time_in_seconds=0.005):
                if shared.incr("inside") != 1:
                    overlaps += 1
                value = int(shared.get("counter") or 0)
                await asyncio.sleep(0.003)  # the turn's work: another server would slip in here
                shared.set("counter", value + 1)
                shared.decr("inside")
        return overlaps

    time.sleep(max(0.0, start_at - time.time()))  # every worker asks for its first ticket at the same instant
    try:
        results.put(asyncio.run(turns()))
    except Exception as error:  # e.g. LockError: reported to the test instead of leaving it waiting
        results.put(f"{type(error).__name__}: {error}")


def test_processes_never_serve_one_conversation_at_the_same_time(redis_port, client):
    shared = redis.Redis(port=redis_port, db=2)
    shared.flushdb()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 1.5
    workers = [context.Process(target=_worker, args=(redis_port, start_at, results)) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    errors = [outcome for outcome in outcomes if isinstance(outcome, str)]
    assert not errors, f"turns that failed: {errors}"
    overlaps = [int(outcome) for outcome in outcomes]
    assert sum(overlaps) == 0, f"turns that ran while another process held the lock: {overlaps}"
    assert int(shared.get("counter")) == WORKERS * TURNS  # no turn overwrote another's write
    assert client.keys("*") == []  # the last turn out removed the lock
    shared.flushdb()


def test_a_second_ticket_waits_and_survives_the_first_ones_cleanup(redis_port, client):
    first, second = make_store(redis_port), make_store(redis_port)  # two servers
    ticket_a = first.issue_ticket(CONVERSATION)
    ticket_b = second.issue_ticket(CONVERSATION)
    assert (ticket_a, ticket_b) == (0, 1)
    assert second.get_lock(CONVERSATION).is_locked(ticket_b)  # B waits while A is served

    first.cleanup(CONVERSATION, ticket_a)  # A's turn is over: B's ticket must still be there, and served now
    lock = second.get_lock(CONVERSATION)
    assert lock is not None and not lock.is_locked(ticket_b)

    second.cleanup(CONVERSATION, ticket_b)
    assert second.get_lock(CONVERSATION) is None


def test_a_lock_left_behind_by_a_crashed_server_expires_in_redis(redis_port, client):
    store = make_store(redis_port)
    store.issue_ticket(CONVERSATION, lock_lifetime=5)  # and never cleaned up
    ttl = client.ttl(store.key_prefix + CONVERSATION)
    assert 0 < ttl <= 5 + EXPIRY_MARGIN_SECONDS + 1


def test_an_expired_ticket_no_longer_blocks_the_conversation(redis_port, client):
    store = make_store(redis_port)
    store.issue_ticket(CONVERSATION, lock_lifetime=0.2)  # a server that died while serving
    store.issue_ticket(CONVERSATION, lock_lifetime=0.2)  # ... and one that died waiting behind it
    time.sleep(0.3)
    served = []

    async def take_turn() -> None:
        async with store.lock(CONVERSATION, wait_time_in_seconds=0.05) as lock:
            served.append([ticket.number for ticket in lock.tickets])

    asyncio.run(asyncio.wait_for(take_turn(), timeout=10))
    assert served == [[0]]  # the dead tickets are gone: this turn was served at once, alone
    assert store.get_lock(CONVERSATION) is None


def test_the_key_prefix_and_settings_are_rasas(redis_port):
    store = make_store(redis_port)
    assert store.key_prefix == "expatsante:lock:"
    assert store.red.connection_pool.connection_kwargs["db"] == 1
