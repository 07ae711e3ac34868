"""Which language to answer in: explicit switch > a message clearly in one language > channel hint > weaker
identification of the message > the conversation's language.

Identification uses lingua (its models ship inside the package) restricted to English and French. It only changes
the conversation's language on a message that says enough: "ok", "merci", "thanks", a name or a number never flip it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.text import language_code, words
from bot.understanding.wordlists import word_map, word_set

SUPPORTED = ("en", "fr")

# The word lists (words.yml, section language): words that say nothing about the language a person wants to be
# answered in; French administrative terms English speakers use as they are ("my carte vitale"); grammar words that
# belong to English only, or to French only.
_NEUTRAL_WORDS = word_set("language", "neutral_words")
_LOAN_TERMS = word_set("language", "loan_terms")
_ENGLISH_MARKERS = word_set("language", "english_markers")
_FRENCH_MARKERS = word_set("language", "french_markers")
#: At least this many grammar words of one language, and at least three times as many as of the other ("How do I
#: renew my titre de séjour?"): enough to tell.
MIN_MARKERS = 2

#: Identification must be at least this confident to change the conversation's language.
MIN_CONFIDENCE = 0.80
#: ... and the message must contain at least this many words that are not neutral.
MIN_WORDS = 2
#: Without grammar words to decide, a message overrides the channel's hint only with this many telling words and
#: this confidence ("Bonjour, c'est quoi une mutuelle ?" on a page in English is answered in French).
CLEAR_WORDS = 3
CLEAR_CONFIDENCE = 0.9


@lru_cache(maxsize=1)
def _detector():  # lingua's LanguageDetector (imported lazily: only the action side has lingua)
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.FRENCH).build()


@dataclass(frozen=True)
class Identification:
    language: str | None  # None when the text is too short or too ambiguous to tell
    confidence: float
    clear: bool = False  # says enough to override a channel's hint (grammar words, or a long confident sentence)


def identify(text: str, min_words: int = MIN_WORDS) -> Identification:
    """The language of ``text`` if the text says enough to tell, else ``Identification(None, …)``."""
    found = words(text)
    meaningful = [w for w in found if w not in _NEUTRAL_WORDS and w not in _LOAN_TERMS]
    if not meaningful:
        return Identification(None, 0.0)
    english = sum(w in _ENGLISH_MARKERS for w in meaningful)
    french = sum(w in _FRENCH_MARKERS for w in meaningful)
    if max(english, french) >= MIN_MARKERS and max(english, french) >= 3 * min(english, french):
        return Identification("en" if english > french else "fr", 1.0, clear=True)
    best = _detector().compute_language_confidence_values(" ".join(meaningful))[0]
    if best.value < MIN_CONFIDENCE and len(meaningful) < len(found):
        # Too few telling words once the loan terms are set aside ("comment commander ma carte vitale"):
        # the whole sentence, loan terms included, decides.
        best = _detector().compute_language_confidence_values(" ".join(found))[0]
    language = "en" if best.language.name == "ENGLISH" else "fr"
    if best.value < MIN_CONFIDENCE:
        return Identification(None, best.value)
    if len(meaningful) < min_words:
        return Identification(None, best.value)
    return Identification(language, best.value, clear=len(meaningful) >= CLEAR_WORDS and best.value >= CLEAR_CONFIDENCE)


# A first message of one of these words alone: how the person speaks, even though such a word never changes the
# language of a conversation already under way (words.yml, language.first_words: word -> language).
_FIRST_WORDS = word_map("language", "first_words")


@dataclass(frozen=True)
class LanguageChoice:
    language: str
    pinned: bool  # True once the user explicitly asked for a language: hints and identification no longer change it
    reason: str  # explicit | pinned | channel | detected | greeting | kept | default


def choose_language(
    *,
    current: str | None,
    pinned: bool,
    explicit: str | None,
    channel_hint: str | None,
    text: str,
    default: str = "en",
) -> LanguageChoice:
    """Decide the language of the reply to one user message."""
    explicit_code = language_code(explicit)
    if explicit_code:
        return LanguageChoice(explicit_code, True, "explicit")
    if pinned and current in SUPPORTED:
        return LanguageChoice(current, True, "pinned")
    # Once a conversation has a language, one word is not enough to change it; on the first message it is.
    identification = identify(text, min_words=MIN_WORDS if current in SUPPORTED else 1)
    if identification.language and identification.clear:
        return LanguageChoice(identification.language, False, "detected")
    hint = language_code(channel_hint)
    if hint:
        return LanguageChoice(hint, False, "channel")
    identified = identification.language
    if identified:
        return LanguageChoice(identified, False, "detected")
    if current in SUPPORTED:
        return LanguageChoice(current, False, "kept")
    # First message and nothing conclusive: a lone greeting or thanks still tells us how the person speaks.
    greeting = next((_FIRST_WORDS[w] for w in words(text) if w in _FIRST_WORDS), None)
    if greeting:
        return LanguageChoice(greeting, False, "greeting")
    return LanguageChoice(default if default in SUPPORTED else "en", False, "default")
