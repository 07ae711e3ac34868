"""The rasa-sdk 3.21 / Rasa 3.6 shim (actions/sdk_shim.py): it still replaces what rasa-sdk does on its own, it is
written for the pinned versions, and another installed rasa-sdk stops the action server's start-up with an error
naming the shim. (Its behaviour with whole action calls: test_action_server.py.)"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionMissingDomainException

import actions.__main__ as action_server
from actions import sdk_shim

ROOT = Path(__file__).resolve().parents[3]
#: What Rasa 3.6 sends with enable_selective_domain to an action that does not need the domain.
CALL_WITHOUT_DOMAIN = {"next_action": "action_read_message", "sender_id": "someone", "version": "3.6.21"}


def pins(requirements: Path) -> dict[str, str]:
    found = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            found[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    return found


def test_rasa_sdk_alone_refuses_a_call_without_domain() -> None:
    with pytest.raises(ActionMissingDomainException):
        ActionExecutor().update_and_return_domain(dict(CALL_WITHOUT_DOMAIN), "action_read_message")
    executor = sdk_shim.SelectiveDomainExecutor()
    assert executor.update_and_return_domain(dict(CALL_WITHOUT_DOMAIN), "action_read_message") == {}
    # A call in the newer protocol (a digest rasa-sdk does not know, no domain) is still rasa-sdk's to answer.
    with pytest.raises(ActionMissingDomainException):
        executor.update_and_return_domain({**CALL_WITHOUT_DOMAIN, "domain_digest": "unknown"}, "action_read_message")
    domain = {"responses": {"utter_greet": [{"text": "Hello"}]}}
    assert executor.update_and_return_domain({**CALL_WITHOUT_DOMAIN, "domain": domain}, "validate_cost_form") == domain


def test_the_shims_are_written_for_the_pinned_versions() -> None:
    actions_pins = pins(ROOT / "requirements" / "actions.txt")
    rasa_pins = pins(ROOT / "requirements" / "rasa.txt")
    for shim in sdk_shim.SHIMS:
        for distribution, version in shim.versions.items():
            assert actions_pins[distribution] == version, (shim.name, distribution)
        for distribution, version in shim.talks_to.items():
            assert rasa_pins[distribution] == version, (shim.name, distribution)


def test_the_installed_versions_are_those_of_the_shims() -> None:
    assert sdk_shim.version_problems() == []
    sdk_shim.check_versions()


def test_every_shim_names_tests_that_exist() -> None:
    for shim in sdk_shim.SHIMS:
        assert (ROOT / shim.where.split(":")[0]).is_file(), shim.where
        for test in shim.tests:
            path, name = test.split("::")
            assert re.search(rf"^(async )?def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M), test


def test_another_rasa_sdk_stops_the_start_up_naming_the_shim(monkeypatch) -> None:
    def upgraded(name: str) -> str:
        return "3.22.0" if name == "rasa-sdk" else metadata.version(name)

    with pytest.raises(sdk_shim.ShimVersionError) as error:
        sdk_shim.check_versions(upgraded)
    message = str(error.value)
    assert "shim 'selective-domain' (actions/sdk_shim.py" in message
    assert "rasa-sdk 3.21.1 (installed: 3.22.0)" in message and "talking to rasa 3.6.21" in message
    assert "tests/unit/test_actions/test_sdk_shim.py::" in message

    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    with pytest.raises(sdk_shim.ShimVersionError, match=r"rasa-sdk 3\.21\.1 \(installed: none\)"):
        sdk_shim.check_versions(missing)
    # python -m actions checks before it builds anything.
    monkeypatch.setattr(action_server, "check_versions", lambda: sdk_shim.check_versions(upgraded))
    with pytest.raises(sdk_shim.ShimVersionError):
        action_server.build_app()
