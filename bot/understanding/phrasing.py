"""Whether a message is phrased as a question, in English or French.

Inside a form, the NLU sometimes reads an answer it cannot place ("I am a wizard" to "what is your situation?") as a
question for the knowledge base. When the knowledge base has no answer, a statement is better treated as an answer
the form did not recognise than as a question nobody asked (actions/knowledge.py).
"""

from __future__ import annotations

import re

from bot.text import words

#: Words that open a question. English auxiliaries ("do", "can", "is") open a question only in first position
#: ("am a student" and "have a CDI" are terse answers, so "am" and "have" are not here); French questions open with
#: an interrogative word, or invert the verb (below).
_QUESTION_OPENERS = frozenset(
    """what what's whats how why when where who whom whose which can could do does did is are was were should would
    will shall may might quoi que qu'est quel quelle quels quelles comment pourquoi quand où qui combien""".split()
)
#: French inversion ("puis-je", "faut-il", "avez-vous") and "est-ce que" anywhere in the message.
_FRENCH_INVERSION = re.compile(r"\b[^\W\d_]+-(?:je|tu|il|elle|on|nous|vous|ils|elles)\b|\best-ce\b", re.IGNORECASE)


def looks_like_question(text: str) -> bool:
    """True for "what is a mutuelle", "do I need a GP", "c'est quoi la CSS ?", "puis-je changer de médecin" or any
    text with a question mark; False for statements such as "I am a wizard" or "je suis sorcier"."""
    text = (text or "").strip()
    if "?" in text or "？" in text or _FRENCH_INVERSION.search(re.sub(r"(?i)rendez-vous", "", text)):
        return True
    found = words(text)
    if not found:
        return False
    return found[0] in _QUESTION_OPENERS or "quoi" in found or "combien" in found
