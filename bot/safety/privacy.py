"""Personal data the assistant never needs: redacted from user text before Rasa stores or logs anything.

Social security numbers (NIR, permanent or provisional, with or without the 2-digit key), IBANs, e-mail addresses and
phone numbers are replaced by a marker. The assistant answers general questions: it never needs these values, and a
conversation store without them cannot leak them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_SEP = r"[ .\-]?"

# NIR: sex/status digit (1, 2 permanent; 3, 4, 7, 8 provisional or special), year, month, department (2A/2B for
# Corsica), commune, order number, then an optional 2-digit key. Separators between groups are common.
_NIR = re.compile(
    rf"(?<![\dA-Za-z])[1-478]{_SEP}\d{{2}}{_SEP}(?:0[1-9]|1[0-2]|[2-9]\d){_SEP}(?:\d{{2}}|2[AaBb]){_SEP}\d{{3}}{_SEP}"
    rf"\d{{3}}(?:{_SEP}\d{{2}})?(?![\dA-Za-z])"
)
# IBAN: country code, 2 check digits, then 11 to 30 letters/digits, compact or in groups of four. The check digits
# are not verified: a mistyped IBAN is still personal data.
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}"
    r"(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,4})?)"
    r"(?![A-Za-z0-9])"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# Phones: French numbers (0X XX XX XX XX, +33 X XX XX XX XX, 0033…) and other international numbers (+CC …).
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)33[ .\-]?(?:\(0\))?[ .\-]?[1-9](?:[ .\-]?\d{2}){4}"
    r"|0[1-9](?:[ .\-]?\d{2}){4}"
    r"|(?:\+|00)(?!33)[1-9]\d{0,2}(?:[ .\-]?\(?\d{1,4}\)?){2,5})(?!\d)"
)

#: Marker left in place of each kind of personal data (language-neutral, readable in both languages).
MARKERS = {"nir": "[NIR]", "iban": "[IBAN]", "email": "[EMAIL]", "phone": "[PHONE]"}

_PATTERNS = (("email", _EMAIL), ("iban", _IBAN), ("nir", _NIR), ("phone", _PHONE))


@dataclass(frozen=True)
class Redaction:
    text: str
    kinds: tuple[str, ...]  # which kinds of personal data were found, in order of first appearance

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def redact(text: str) -> Redaction:
    """``text`` with every NIR, IBAN, e-mail address and phone number replaced by its marker."""
    found: list[str] = []

    def replace(kind: str) -> Callable[[re.Match[str]], str]:
        def substitute(match: re.Match[str]) -> str:
            if kind not in found:
                found.append(kind)
            return MARKERS[kind]

        return substitute

    for kind, pattern in _PATTERNS:
        text = pattern.sub(replace(kind), text)
    return Redaction(text, tuple(found))
