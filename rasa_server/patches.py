"""Speed fixes for Rasa 3.6 itself, applied when the rasa server loads our channel connectors.

Rasa 3.6 checks every custom action's reply with ``jsonschema.validate(result, schema)``. That call first checks
the (large) events schema against the JSON Schema meta-schema, then builds a validator, and only then checks the
reply — for every action call. Profiling our server under load (docs/benchmarks.md) put 53 % of its CPU there.
Here the validator is built, and the schema checked, once; the reply is checked exactly as before, and an invalid
reply raises the same ``ValidationError`` with the same message.

The patch is applied once, only to the method it was written for: if a Rasa upgrade renames or moves it, nothing is
patched and a warning says so (Rasa then simply runs its own, slower, code).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, Text

logger = logging.getLogger(__name__)

_PATCHED_FLAG = "_expat_sante_cached_validator"


@lru_cache(maxsize=1)
def action_reply_validator() -> Any:
    """A jsonschema validator for Rasa's action-server reply format, built (and its schema checked) once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """Same contract as ``RemoteAction._validate_action_result`` in Rasa 3.6, with a validator built once."""
    from jsonschema import ValidationError, exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    # What jsonschema.validate() does after its schema check: raise the most relevant error, if any.
    error = exceptions.best_match(action_reply_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def apply() -> bool:
    """Install the patches (idempotent). Returns whether the action-reply validation is patched."""
    from rasa.core.actions.action import RemoteAction

    current = RemoteAction.__dict__.get("_validate_action_result")
    if getattr(current, _PATCHED_FLAG, False):
        return True
    if current is None or not callable(current):
        logger.warning("Rasa's RemoteAction._validate_action_result not found: action replies are validated "
                       "by Rasa's own (slower) code")
        return False
    setattr(_validate_action_result, _PATCHED_FLAG, True)
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    logger.debug("Action-server replies are validated with a cached jsonschema validator")
    return True
