"""Per-sender rate limit: a sliding window of message times, in memory, per server process.

A person types a few messages a minute; a script flooding one conversation is slowed down before it reaches the
dialogue engine. Several server processes each keep their own window (documented in docs/deployment.md).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict, deque
from typing import Callable


class RateLimiter:
    def __init__(self, per_minute: int, max_senders: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
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
            while window and now - window[0] >= 60.0:
                window.popleft()
            allowed = len(window) < self.per_minute
            if allowed:
                window.append(now)
            self._windows[sender] = window  # most recently seen last
            while len(self._windows) > self.max_senders:
                self._windows.popitem(last=False)
        return allowed


def from_environment() -> RateLimiter:
    """RATE_LIMIT_PER_MINUTE messages per sender per minute (default 30; 0 turns the limit off)."""
    raw = os.environ.get("RATE_LIMIT_PER_MINUTE") or "30"
    try:
        per_minute = int(raw)
    except ValueError as exc:
        raise ValueError(f"RATE_LIMIT_PER_MINUTE must be a whole number, got {raw!r}") from exc
    return RateLimiter(per_minute)
