"""The per-sender rate limit shared through Redis (bot/safety/ratelimit.py, RATE_LIMIT_REDIS_URL).

First against a throw-away redis-server (Debian's binary, as the scale-out uses): two limiters stand for two server
processes. Then through the scale-out itself: one conversation floods nginx, which spreads the messages over both
rasa servers, and the limit holds for the pair. Rasa environment.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import yaml

from bot.safety.ratelimit import RateLimiter, RedisRateLimiter, from_environment
from bot.settings import get_settings
from tests.support.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
RATE_LIMIT = 10  # RATE_LIMIT_PER_MINUTE of the scale-out started by conftest.py


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed (deploy/scaleout.sh installs it)")
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield f"redis://127.0.0.1:{port}/3"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_two_processes_share_one_window_per_sender(redis_url):
    server_1, server_2 = RedisRateLimiter(3, redis_url), RedisRateLimiter(3, redis_url)
    sender = f"s-{uuid.uuid4().hex}"
    # Alternating like round robin: 3 allowed in all, not 3 per process.
    assert [limiter.allow(sender) for limiter in (server_1, server_2, server_1, server_2, server_1)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert server_2.allow(f"other-{uuid.uuid4().hex}"), "another sender has their own window"


def test_redis_holds_neither_the_sender_id_nor_anything_past_the_window(redis_url):
    import redis

    limiter = RedisRateLimiter(5, redis_url)
    sender = f"+33612345678-{uuid.uuid4().hex[:6]}"  # a sender id can be a phone number (WhatsApp, SMS)
    limiter.allow(sender)
    client = redis.Redis.from_url(redis_url)
    keys = [key.decode() for key in client.keys("*")]
    assert limiter.key(sender) in keys
    assert not any(sender in key or "33612345678" in key for key in keys)
    assert 0 < client.pttl(limiter.key(sender)) <= 60_000


def test_without_redis_each_process_still_limits_on_its_own(caplog):
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    limiter = RedisRateLimiter(2, unreachable, timeout=0.2, retry_after=30)
    started = time.monotonic()
    assert [limiter.allow("a") for _ in range(4)] == [True, True, False, False]
    # One failed attempt, then the local window until retry_after: messages do not each wait for Redis.
    assert time.monotonic() - started < 2
    assert sum("Redis unavailable" in record.getMessage() for record in caplog.records) == 1


def test_the_environment_chooses_the_shared_limit_only_when_a_url_is_set(monkeypatch, redis_url):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "7")
    monkeypatch.delenv("RATE_LIMIT_REDIS_URL", raising=False)
    assert type(from_environment()) is RateLimiter
    monkeypatch.setenv("RATE_LIMIT_REDIS_URL", redis_url)
    get_settings.cache_clear()  # the settings are read once per process: read them again
    limiter = from_environment()
    assert isinstance(limiter, RedisRateLimiter) and limiter.per_minute == 7
    monkeypatch.setenv("RATE_LIMIT_REDIS_URL", "http://:secret@127.0.0.1:1/0")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="RATE_LIMIT_REDIS_URL") as refused:
        from_environment()
    assert "secret" not in str(refused.value)


def rate_limited_texts() -> set[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {variation["text"] for variation in domain["responses"]["utter_rate_limited"]}


def test_one_conversation_flooding_two_rasa_servers_gets_the_limit_once(scaleout):
    """Sent at once, the messages arrive within the same second at both servers (nginx round robin); each server
    alone would allow RATE_LIMIT of them, so without the shared window none would be refused."""
    sender = f"flood-{uuid.uuid4().hex[:8]}"
    count = RATE_LIMIT + 6

    async def flood() -> list[list[dict]]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:

            async def post(i: int) -> list[dict]:
                async with session.post(
                    f"{scaleout.url}/webhooks/rest/webhook", json={"sender": sender, "message": "Hello"}
                ) as response:
                    assert response.status == 200
                    return await response.json()

            return await asyncio.gather(*(post(i) for i in range(count)))

    replies = asyncio.run(flood())
    limited = [reply for reply in replies if any(r.get("text") in rate_limited_texts() for r in reply)]
    assert all(replies), "every message gets a reply"
    assert len(limited) == count - RATE_LIMIT, [[r.get("text") for r in reply] for reply in replies]
    # The window the servers counted in is the one in Redis.
    import redis

    url = scaleout.env["RATE_LIMIT_REDIS_URL"]
    assert redis.Redis.from_url(url).zcard(RedisRateLimiter(RATE_LIMIT, url).key(sender)) == RATE_LIMIT
