"""Per-sender rate limit: a sliding window of message times, per server process or shared through Redis.

A person types a few messages a minute; a script flooding one conversation is slowed down before it reaches the
dialogue engine. One process keeps its windows in memory. Several rasa servers behind a load balancer would each
allow the limit, so with ``RATE_LIMIT_REDIS_URL`` set the windows live in Redis and every server counts the same
messages (docs/deployment.md). Redis keys hold a hash of the sender id, never the id itself.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0


class RateLimiter:
    def __init__(
        self, per_minute: int, max_senders: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.max_senders = max_senders
        self._clock = clock
        self._windows: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, sender: str) -> bool:
        """Record one message of ``sender``; False when it is over the limit (the message should not be processed)."""
        if self.per_minute <= 0:
            return True
        now = self._clock()
        with self._lock:
            window = self._windows.pop(sender, None) or deque()
            while window and now - window[0] >= WINDOW_SECONDS:
                window.popleft()
            allowed = len(window) < self.per_minute
            if allowed:
                window.append(now)
            self._windows[sender] = window  # most recently seen last
            while len(self._windows) > self.max_senders:
                self._windows.popitem(last=False)
        return allowed


# One atomic step per message, on Redis's clock (all servers share it): drop the times that left the window, then
# record this one if the window has room. Same rule as RateLimiter.allow.
_SLIDING_WINDOW = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window_ms = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms - window_ms)
local allowed = 0
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_ms, ARGV[2])
  allowed = 1
end
redis.call('PEXPIRE', KEYS[1], window_ms)
return allowed
"""


class RedisRateLimiter:
    """The same limit, with the windows in Redis so that several server processes share them.

    Called on the event loop like the in-memory limiter: one round trip to Redis (well under a millisecond on the
    same network) per message, as Rasa's own Redis lock store does. If Redis fails, the process falls back to its
    own in-memory window for ``retry_after`` seconds (a slow Redis cannot stall every message), then tries again.
    """

    def __init__(
        self,
        per_minute: int,
        url: str,
        key_prefix: str = "expatsante:ratelimit:",
        timeout: float = 0.5,
        retry_after: float = 30.0,
    ) -> None:
        import redis  # rasa environment only, and only when configured

        self.per_minute = per_minute
        self.key_prefix = key_prefix
        self.retry_after = retry_after
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        try:
            client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        except ValueError as exc:  # the message may quote the URL, which can hold a password: not repeated here
            raise ValueError("RATE_LIMIT_REDIS_URL must look like redis://[:password@]host:port/db") from exc
        self._script: Any = client.register_script(_SLIDING_WINDOW)
        self._fallback = RateLimiter(per_minute)
        self._redis_down_until = 0.0

    def key(self, sender: str) -> str:
        return self.key_prefix + hashlib.sha256(sender.encode("utf-8")).hexdigest()[:32]

    def allow(self, sender: str) -> bool:
        """Record one message of ``sender``; False when it is over the limit (the message should not be processed)."""
        if self.per_minute <= 0:
            return True
        if time.monotonic() >= self._redis_down_until:
            try:
                return bool(
                    self._script(
                        keys=[self.key(sender)], args=[self.per_minute, uuid.uuid4().hex, int(WINDOW_SECONDS * 1000)]
                    )
                )
            except self._errors as error:
                self._redis_down_until = time.monotonic() + self.retry_after
                logger.warning(
                    "rate limit: Redis unavailable (%s); counting in this process for %.0f s",
                    type(error).__name__,
                    self.retry_after,
                )
        return self._fallback.allow(sender)


def from_environment(settings: Settings | None = None) -> RateLimiter | RedisRateLimiter:
    """RATE_LIMIT_PER_MINUTE messages per sender per minute (default 30; 0 turns the limit off), shared through
    Redis when RATE_LIMIT_REDIS_URL is set (e.g. redis://:password@127.0.0.1:6379/2). Both are checked by
    bot/settings.py (a SettingsError, which is a ValueError, names the variable at fault)."""
    settings = settings or get_settings()
    per_minute, url = settings.rate_limit_per_minute, settings.rate_limit_redis_url
    if url and per_minute > 0:
        return RedisRateLimiter(per_minute, url)
    return RateLimiter(per_minute)
