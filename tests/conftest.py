"""Fixtures for every test suite (both environments).

bot/settings.py reads the environment once per process and keeps the result. Each test starts and ends with it
unread, so a test may ``monkeypatch.setenv`` a variable before using what reads it; a test that changes the
environment again after something has read the settings calls ``get_settings.cache_clear()`` itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.settings import get_settings


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
