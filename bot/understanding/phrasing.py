"""Whether a message is phrased as a question, in English or French.

Inside a form, the NLU sometimes reads an answer it cannot place ("I am a wizard" to "what is your situation?") as a
question for the knowledge base. When the knowledge base has no answer, a statement is better treated as an answer
the form did not recognise than as a question nobody asked (actions/knowledge.py).
"""

from __future__ import annotations

import re

from bot.text import words
from bot.understanding.wordlists import pattern, word_set

#: Words that open a question (words.yml, section phrasing): English auxiliaries only in first position, French
#: interrogative words.
_QUESTION_OPENERS = word_set("phrasing", "question_openers")
#: French inversion ("puis-je", "faut-il", "avez-vous") and "est-ce que" anywhere in the message ...
_FRENCH_INVERSION = pattern("phrasing", "french_inversion", re.IGNORECASE)
#: ... once the hyphenated nouns that are no inversion ("rendez-vous") are taken out.
_NOT_INVERSION = pattern("phrasing", "not_inversion", re.IGNORECASE)


def looks_like_question(text: str) -> bool:
    """True for "what is a mutuelle", "do I need a GP", "c'est quoi la CSS ?", "puis-je changer de médecin" or any
    text with a question mark; False for statements such as "I am a wizard" or "je suis sorcier"."""
    text = (text or "").strip()
    if "?" in text or "？" in text or _FRENCH_INVERSION.search(_NOT_INVERSION.sub("", text)):
        return True
    found = words(text)
    if not found:
        return False
    return found[0] in _QUESTION_OPENERS or "quoi" in found or "combien" in found
