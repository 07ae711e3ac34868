"""Installed versions against the versions a piece of code was written for (the patches of rasa_server/patches.py
and the shims of actions/sdk_shim.py, which both stop their server at start-up when these differ)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import metadata


def installed(distribution: str, version: Callable[[str], str] = metadata.version) -> str | None:
    """The installed version of ``distribution``, None when it is not installed."""
    try:
        return version(distribution)
    except metadata.PackageNotFoundError:
        return None


def mismatches(pinned: Mapping[str, str], version: Callable[[str], str] = metadata.version) -> list[str]:
    """ "name expected (installed: found)" for each distribution of ``pinned`` not installed at its version."""
    return [
        f"{distribution} {expected} (installed: {installed(distribution, version) or 'none'})"
        for distribution, expected in pinned.items()
        if installed(distribution, version) != expected
    ]
