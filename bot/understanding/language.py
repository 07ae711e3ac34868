"""Which language to answer in: explicit switch > a message clearly in one language > channel hint > weaker
identification of the message > the conversation's language.

Identification uses lingua (its models ship inside the package) restricted to English and French. It only changes
the conversation's language on a message that says enough: "ok", "merci", "thanks", a name or a number never flip it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.text import language_code, words

SUPPORTED = ("en", "fr")

# Words that say nothing about the language a person wants to be answered in: they are used by speakers of both.
_NEUTRAL_WORDS = frozenset(
    """ok okay oki oui yes no non merci thanks thank thx ty cool super top parfait perfect bye ciao salut hi hello
    bonjour bonsoir hey coucou yep yeah nope d'accord dac lol mdr please stp svp euh hmm ah oh""".split()
)
# French administrative terms that English speakers use as they are ("my carte vitale", "a mutuelle"): they say
# nothing about the language of the sentence around them.
_LOAN_TERMS = frozenset(
    """carte vitale mutuelle mutuelles cpam ameli sécurité securite sécu secu sociale puma urssaf css ceam médecin
    medecin traitant attestation droits feuille soins tiers payant nir caf samu cerfa prefecture préfecture titre
    séjour sejour complémentaire complementaire santé sante solidaire forfait journalier franchise franchises rib
    siret""".split()
)

# Grammar words that belong to one of the two languages only. A question is mostly these plus the subject: when
# they all point one way ("What is the participation forfaitaire?", "How much is a consultation?"), that decides,
# whatever the French or English subject words around them (lingua alone read the first as French).
# Words both languages use ("a", "on", "me", "plus", "an", "au" of "au pair") are left out.
_ENGLISH_MARKERS = frozenset(
    """the is are was what how do does did i i'm my you your can could should would will much many where when who
    why which of to for with from get need have has it it's this that there not don't can't and""".split()
)
_FRENCH_MARKERS = frozenset(
    """le la les est sont quoi comment je j'ai mon ma mes vous votre vos tu ton ta un une des du de pour avec dans
    sur combien où quand qui pourquoi quel quelle quels quelles c'est qu'est qu'il ce que faut il elle ai suis pas
    ne n'ai et aux""".split()
)
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
# language of a conversation already under way.
_FIRST_WORDS = {
    "bonjour": "fr",
    "bonsoir": "fr",
    "salut": "fr",
    "coucou": "fr",
    "merci": "fr",
    "svp": "fr",
    "stp": "fr",
    "hello": "en",
    "hi": "en",
    "hey": "en",
    "thanks": "en",
    "thank": "en",
    "thx": "en",
    "please": "en",
}


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
