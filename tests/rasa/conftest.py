"""Fixtures for the tests that run with the rasa server's Python (3.10, rasa 3.6): channels, scripts, `rasa run`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent.parent
for path in (PROJECT_ROOT, HERE):  # `bot` and the test helpers, whatever pytest's import mode
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from telegram_fakes import FakeBotApi  # noqa: E402


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    yield api
    api.stop()
