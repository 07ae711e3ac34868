"""The shim that lets rasa-sdk 3.21 (the action server, Python 3.11) serve Rasa 3.6 (the rasa server, Python 3.10).

The two runtimes cannot share one environment: Rasa 3.6 needs Python < 3.11 and pydantic 1, the action side's
libraries (torch, sentence-transformers, spaCy 3.8, rasa-sdk 3.21) Python 3.11 and pydantic 2. They talk over HTTP
only, with Rasa 3.6's action-server protocol, which rasa-sdk 3.21 speaks except in one point, patched here:

- ``selective-domain``: endpoints.yml sets ``enable_selective_domain``, so Rasa 3.6 sends the domain (~30 kB of
  responses in two languages) only to the actions that need it — the forms' ``validate_*`` actions — instead of
  with every call. rasa-sdk 3.21 expects a newer Rasa's protocol (a ``domain_digest``, and a retry with the domain
  when it answers 449), which Rasa 3.6 does not speak: a call without a domain would fail with
  ``ActionMissingDomainException``. Such a call — no domain, no digest — gets an empty domain, as with rasa-sdk 3.6;
  the actions that receive it do not read the domain.

Like the rasa server's patches (rasa_server/patches.py, which the action side cannot import), each shim names the
versions it was written for (the pins of requirements/actions.txt, and of requirements/rasa.txt for the Rasa it
talks to), and the action server checks them at start-up (``check_versions``, from ``python -m actions``): another
installed rasa-sdk stops it with an error naming the shim and its tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from rasa_sdk.executor import ActionExecutor

from bot.pins import mismatches

#: The pin of requirements/actions.txt the shims were written and tested for (a test keeps the two equal).
RASA_SDK = {"rasa-sdk": "3.21.1"}
#: The Rasa of the other environment the action server talks to (requirements/rasa.txt; not installed here).
RASA = {"rasa": "3.6.21"}


@dataclass(frozen=True)
class Shim:
    name: str
    #: Where the shim is (file: names).
    where: str
    #: What of rasa-sdk it replaces, and why.
    replaces: str
    #: Distribution name -> the exact version installed here that the shim was written and tested for.
    versions: Mapping[str, str]
    #: The Rasa version (in the rasa server's environment) whose protocol the shim speaks.
    talks_to: Mapping[str, str]
    #: The tests that show the shim still does what it replaces ("file::test", from the project root).
    tests: tuple[str, ...]


SHIMS: tuple[Shim, ...] = (
    Shim(
        "selective-domain",
        "actions/sdk_shim.py: SelectiveDomainExecutor.update_and_return_domain",
        "rasa_sdk.executor.ActionExecutor.update_and_return_domain, overridden: a call from Rasa 3.6 without domain "
        "and without domain_digest gets an empty domain instead of ActionMissingDomainException",
        RASA_SDK,
        RASA,
        (
            "tests/unit/test_actions/test_sdk_shim.py::test_rasa_sdk_alone_refuses_a_call_without_domain",
            "tests/unit/test_actions/test_action_server.py::test_a_call_without_domain_runs",
            "tests/unit/test_actions/test_action_server.py::test_a_form_validation_gets_the_domain",
        ),
    ),
)


class ShimVersionError(RuntimeError):
    """The installed rasa-sdk is not the version a shim was written for."""


def version_problems(version: Callable[[str], str] = metadata.version) -> list[str]:
    """One sentence per shim whose libraries are not installed at the versions it was written for."""
    problems = []
    for shim in SHIMS:
        wrong = mismatches(shim.versions, version)
        if wrong:
            talks_to = ", ".join(f"{name} {pinned}" for name, pinned in shim.talks_to.items())
            problems.append(
                f"shim '{shim.name}' ({shim.where}) was written for {', '.join(wrong)}, talking to {talks_to}; it "
                f"replaces {shim.replaces}. Run its tests ({', '.join(shim.tests)}), adapt it if they fail, then "
                f"update its versions in actions/sdk_shim.py; or install the pinned versions "
                f"(requirements/actions.txt)."
            )
    return problems


def check_versions(version: Callable[[str], str] = metadata.version) -> None:
    """Raise ``ShimVersionError`` naming every shim whose libraries are not at the versions it was written for."""
    problems = version_problems(version)
    if problems:
        raise ShimVersionError(
            "the action server cannot start: its rasa-sdk shims do not match the installed versions\n- "
            + "\n- ".join(problems)
        )


class SelectiveDomainExecutor(ActionExecutor):
    """rasa-sdk's executor, speaking Rasa 3.6's selective-domain protocol (shim ``selective-domain``)."""

    def update_and_return_domain(self, payload: dict[str, Any], action_name: str) -> dict[str, Any] | None:
        if payload.get("domain") is None and "domain_digest" not in payload:
            return {}
        return super().update_and_return_domain(payload, action_name)
