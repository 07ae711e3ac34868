import pytest

from bot.safety.ratelimit import RateLimiter, from_environment


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sender_over_the_limit_is_refused_until_the_window_moves():
    clock = Clock()
    limiter = RateLimiter(per_minute=3, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b"), "another sender has their own window"
    clock.now += 59.9
    assert not limiter.allow("a")
    clock.now += 0.2
    assert limiter.allow("a")


def test_refused_messages_do_not_count():
    clock = Clock()
    limiter = RateLimiter(per_minute=2, clock=clock)
    for _ in range(10):
        limiter.allow("a")
    clock.now += 60
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")


def test_zero_turns_the_limit_off():
    limiter = RateLimiter(per_minute=0)
    assert all(limiter.allow("a") for _ in range(1000))


def test_memory_is_bounded():
    limiter = RateLimiter(per_minute=5, max_senders=100)
    for i in range(1000):
        limiter.allow(f"sender-{i}")
    assert len(limiter._windows) == 100


def test_bad_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "lots")
    with pytest.raises(ValueError, match="RATE_LIMIT_PER_MINUTE"):
        from_environment()
