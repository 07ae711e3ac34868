"""Closed-loop REST load: N virtual users, each holding fresh conversations of a fixed number of turns.

A virtual user sends its next message as soon as the previous reply arrives (no think time), so the throughput is
what the server sustains at that many concurrent conversations. Runs in the rasa environment (aiohttp 3.9).
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from dataclasses import dataclass, field

import aiohttp

#: A virtual user starts its walk of the message list this many messages after the previous user's start.
USER_OFFSET = 7


@dataclass(frozen=True)
class Scenario:
    name: str
    users: int
    conversations_per_user: int
    turns: int

    @property
    def messages(self) -> int:
        return self.users * self.conversations_per_user * self.turns


@dataclass
class LoadResult:
    scenario: Scenario
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    empty_replies: int = 0
    wall_seconds: float = 0.0
    cut_short: bool = False

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall_seconds if self.wall_seconds else 0.0

    def percentile(self, q: float) -> float:
        return percentile(self.latencies, q)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of the values; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def conversation(messages: list[str], user: int, turns: int) -> list[str]:
    """The messages one virtual user sends in one conversation: the fixed list, from the user's starting point."""
    start = (user * USER_OFFSET) % len(messages)
    return [messages[(start + i) % len(messages)] for i in range(turns)]


async def _post(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> tuple[float, bool, bool]:
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            body = await response.json(content_type=None) if response.status == 200 else None
        ok = body is not None
        empty = ok and not body
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        ok, empty = False, False
    return time.perf_counter() - started, ok, empty


async def _user(session, url, messages, scenario, user, result, prefix, deadline) -> None:
    for _ in range(scenario.conversations_per_user):
        sender = f"{prefix}-{user}-{uuid.uuid4().hex[:8]}"
        for text in conversation(messages, user, scenario.turns):
            if time.perf_counter() > deadline:
                result.cut_short = True
                return
            seconds, ok, empty = await _post(session, url, sender, text)
            if ok:
                result.latencies.append(seconds)
                result.empty_replies += empty
            else:
                result.errors += 1


async def run_scenario(
    base_url: str, messages: list[str], scenario: Scenario, timeout: float = 120, budget: float = math.inf
) -> LoadResult:
    """Play the scenario against a rasa server's REST channel and collect per-message latencies (seconds).

    After `budget` seconds no virtual user sends another message (the run is cut short, and says so), which keeps
    `make bench` bounded in time on a slow or busy machine.
    """
    url = f"{base_url}/webhooks/rest/webhook"
    result = LoadResult(scenario)
    connector = aiohttp.TCPConnector(limit=scenario.users)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        started = time.perf_counter()
        deadline = started + budget
        await asyncio.gather(
            *(
                _user(session, url, messages, scenario, user, result, f"bench-{scenario.name}", deadline)
                for user in range(scenario.users)
            )
        )
        result.wall_seconds = time.perf_counter() - started
    return result


async def warm_up(base_url: str, messages: list[str], count: int = 6) -> None:
    """A few unmeasured messages: the first requests build TensorFlow graphs and open connections."""
    await run_scenario(base_url, messages, Scenario("warmup", 1, 1, count))
