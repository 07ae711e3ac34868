"""Text helpers shared by every layer: folding, words, the longest-phrase matcher, language codes.

Standard library only: the rasa server (Python 3.10, ``rasa_server/unknown_words.py``) imports it too, and it
imports nothing of the project.

Folding, as each caller had it:

- ``fold``: lower case, accents removed, punctuation (apostrophes included) as spaces, one space between words
  ("Salariée !" -> "salariee", "qu’il" -> "qu il"): what the phrase lists, the urgency and the reading patterns are
  matched against. ``keep_punctuation=True`` keeps punctuation and spacing and only makes "’" a plain "'" ("J’ai 70
  ans" -> "j'ai 70 ans": the cost conversation's age pattern). ``casefold=True`` folds case further ("ß" -> "ss":
  the rasa server's unknown-words vocabulary).
- ``fold_ascii``: lower case, then ASCII only, so a letter without an ASCII form is dropped ("œuvre" -> "uvre") and
  so is "’": the retrieval's BM25 terms, recorded in built indexes, and its slugs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_PUNCTUATION = re.compile(r"[^\w\s-]")  # hyphens, digits and underscores stay
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")  # letters, with at most one apostrophe inside ("qu'est")


def _strip_accents(text: str) -> str:
    """Compatibility-decomposed (NFKD) without its combining marks: "Salariée" -> "Salariee", "œ" stays."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def fold(text: str, *, keep_punctuation: bool = False, casefold: bool = False) -> str:
    """Lower case, accents removed, punctuation (apostrophes included) as spaces, single spaces, no leading or
    trailing space: "Salariée !" -> "salariee", "J’ai un CDI." -> "j ai un cdi"; hyphens stay ("non-eu").

    ``keep_punctuation``: punctuation and spacing as they are, "’" made "'": "J’ai 70 ans" -> "j'ai 70 ans".
    ``casefold``: ``str.casefold`` instead of ``str.lower``: "Straße" -> "strasse"."""
    lowered = text.casefold() if casefold else text.lower()
    plain = _strip_accents(lowered.replace("’", "'"))
    return plain if keep_punctuation else " ".join(_PUNCTUATION.sub(" ", plain).split())


def fold_ascii(text: str) -> str:
    """Lower case, then ASCII only (accents removed, other non-ASCII characters dropped), punctuation kept:
    "Remboursé !" -> "rembourse !", "œuvre" -> "uvre"."""
    return unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode("ascii")


def words(text: str | None) -> list[str]:
    """The words of ``text``, in order: runs of letters with at most one apostrophe inside, lower-cased, "’" made
    "'", accents kept: "Qu’est-ce que la CSS ?" -> ["qu'est", "ce", "que", "la", "css"]. Digits are no words.

    Apply it to ``fold(text)`` for words without accents (``fold`` turns apostrophes into spaces)."""
    return [word.lower().replace("’", "'") for word in _WORD.findall(text or "")]


def longest_match(text: str | None, phrases: Mapping[str, Iterable[str]], *, ignore: Iterable[str] = ()) -> str | None:
    """The key of ``phrases`` one of whose phrases the text says, or None.

    Text and phrases are compared folded (``fold``), as whole words: "pas de nouvelles" is said by "Toujours pas de
    nouvelles !", "an" is not said by "plan". The longest phrase said wins; between phrases of the same length, the
    first key listed. Phrases in ``ignore`` are taken out of the text first ("médecin traitant" names no care, though
    "médecin" does). Empty phrases are never said."""
    if not text:
        return None
    folded = f" {fold(text)} "
    for phrase in ignore:
        folded = folded.replace(f" {fold(phrase)} ", " ")
    best: tuple[int, str] | None = None
    for key, candidates in phrases.items():
        for phrase in candidates:
            needle = f" {fold(phrase)} "
            if needle.strip() and needle in folded and (best is None or len(needle) > best[0]):
                best = (len(needle), key)
    return best[1] if best else None


def language_code(code: object, *, names: bool = True) -> str | None:
    """'en' or 'fr' for a value that names one of them, else None.

    With ``names`` (a value a person, a button or the NLU gave, or a channel's hint), the value is read by its
    beginning: 'fr', 'fr-FR', 'FR_ca', 'français', 'French' -> 'fr'; 'en-GB', 'English', 'anglais' -> 'en'.
    Without (a language tag: Telegram's ``language_code``, an Accept-Language entry), only the primary subtag counts:
    'fr-FR', 'fr_CA' -> 'fr', but 'French' and 'frr' (North Frisian) -> None."""
    if not isinstance(code, str):
        return None
    value = code.strip().lower()
    if names:
        if value.startswith("fr"):  # "français", "francais", "french" included
            return "fr"
        if value.startswith(("en", "anglais")):
            return "en"
        return None
    primary = value.replace("_", "-").split("-")[0]
    return primary if primary in ("en", "fr") else None
