"""What a free-text message asks, beyond its NLU intent: used by the answer-first decision (bot/guidance/routing.py).

All matching is done on folded text (lower case, no accents, punctuation as spaces: ``bot.text.fold``).
"""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from bot.settings import PROJECT_ROOT
from bot.text import fold, words

_LOOKUPS = PROJECT_ROOT / "data" / "nlu" / "lookups.yml"

#: Words that carry no request: greetings, thanks, fillers, in both languages.
_FILLERS = frozenset(
    """hi hello hey bonjour bonsoir salut coucou thanks thank you merci beaucoup ok okay oki yes no oui non please
    stp svp bye goodbye au revoir cool super great parfait top d'accord dac lol mdr again encore bien tres very
    much""".split()
)

#: Phrases that ask for a guided flow by name (folded). A question that merely contains them is answered first.
_FLOW_WORDS = {
    "enrolment": re.compile(
        r"\b(enrol\w*|enroll\w*|register\w*|registration|sign up|signing up|join\w*|inscri\w*|affili\w*|"
        r"adherer|checklist|liste personnalisee|my steps|mes demarches|get (health )?cover\w*|puma)\b"
    ),
    "file": re.compile(
        r"\b(dossier|file|application|demande)\b.*\b(stuck|stalled|lost|no news|blocked|refused|rejected|bloque\w*|"
        r"perdu\w*|sans nouvelles?|aucune nouvelle|refuse\w*|rejete\w*|en attente|pending|waiting)\b|"
        r"\b(lost|perdu\w*|refused|rejected|refuse\w*|bloque\w*)\b.*\b(dossier|file|application|demande)\b|"
        r"\b(no news|aucune nouvelle|sans nouvelles?) (from|de) (the )?(cpam|ameli|caisse)\b"
    ),
    "cost": re.compile(
        r"\b(estimat\w*|simulat\w*|calculat\w*|how much (will|would|do|does|did) (i|it|we)|combien (je|vais|ca|cela|"
        r"coute|me|on|rembours\w*)|what will i pay|what do i pay|reste a charge|out of pocket)\b"
    ),
}

#: A question about the price of a care for the user ("how much will I pay", "combien je paie").
_COST_QUESTION = re.compile(
    r"\b(how much|what will i pay|what do i pay|what would i pay|cost me|costs me|pay for|charged|"
    r"get back|reimburs\w*|refund\w*|covered|combien|coute|couter|payer|paie|paye|rembours\w*|prise en charge|"
    r"reste a charge)\b"
)

_ESTIMATE = re.compile(
    r"\b(how much|combien)\b.{0,60}\b(get back|pay|paid|refund\w*|reimburs\w*|cost me|costs me|come back|comes back|"
    r"rembours\w*|payer|paie|paye|coute|couter|reste|recuper\w*)|\bwhat (will|would|do|does) (i|we|it) (pay|get|cost)|"
    r"\breste a (ma )?charge|\bestimat\w*|\bsimul\w*|\bhow much (is|are) (it|that) for me\b"
)

#: "I paid / was charged X and got / received Y back".
_REFUND_STORY = re.compile(
    r"\b(paid|charged|billed|paye|facture\w*|regle)\b.*\b(got|received|paid me|refunded|back|rembourse\w*|recu|"
    r"vire\w*|verse\w*)\b"
)

#: A request to answer in a language ("in English please", "parle français", "can you answer in French?", "sorry my
#: French is bad, English please"). The language word follows a verb of speaking, or ends the message after "in".
_LANGUAGE = r"(english|anglais|french|francais)"
_POLITE = r"(please|svp|stp|s il (te|vous) plait|now|instead|merci|thanks|thank you)"
_SWITCH = re.compile(
    rf"\b(answer|reply|respond|speak|talk|write|parle\w*|repond\w*|reponds|ecri\w*|continu\w*|switch\w*|passe\w*|"
    rf"change\w*)\b( \w+){{0,4}} (in |en |to |into )?{_LANGUAGE}\b|"
    rf"\b(in|en) {_LANGUAGE}( {_POLITE})*$|^{_LANGUAGE}( {_POLITE})*$|\b{_LANGUAGE} {_POLITE}\b"
)
#: ... but not a question about someone who speaks a language ("a doctor who speaks English").
_SPEAKER = re.compile(
    r"\b(who speaks?|qui parlent?|speaking|english speaking|anglophones?|francophones?|parlant)\b|"
    r"\b(doctor|docteur|medecin|dentist\w*|pharmac\w*|gp|generaliste|specialist\w*|nurse|infirmi\w*|hopital|"
    r"hospital|psy\w*|line|ligne|phone|telephone|numero|service)\b"
)

#: A follow-up that refers to the previous answer ("how much does one cost?", "and for a student?", "et pour
#: mes enfants ?").
_FOLLOW_UP = re.compile(
    r"^(and|et|what about|how about|et pour|et si|et les|et le|et la|also|aussi|same|meme|so|alors|donc)\b|"
    r"\b(one|it|them|that|this|those|these|ca|cela|celle|celui|ceux|en|y|la dessus|for that)\b"
)


@lru_cache(maxsize=1)
def _domain_pattern() -> re.Pattern[str]:
    """The health-insurance vocabulary of the NLU (data/nlu/lookups.yml), one list for both uses."""
    data = yaml.safe_load(_LOOKUPS.read_text(encoding="utf-8"))
    patterns = [
        line.strip()[2:].strip()
        for entry in data["nlu"]
        if entry.get("regex") == "health_terms"
        for line in entry["examples"].splitlines()
        if line.strip().startswith("- ")
    ]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def on_topic(text: str) -> bool:
    """True when the text uses a word of health insurance (CPAM, mutuelle, doctor, remboursement...)."""
    return bool(text) and (
        _domain_pattern().search(text) is not None or _domain_pattern().search(fold(text)) is not None
    )


def content_words(text: str) -> int:
    """How many words of the text are not greetings, thanks or fillers."""
    return sum(1 for word in words(text) if word not in _FILLERS)


def flow_request(text: str) -> str | None:
    """The guided flow the words of the message name, if any."""
    folded = fold(text or "")
    for flow in ("file", "enrolment", "cost"):
        if _FLOW_WORDS[flow].search(folded):
            return flow
    return None


def is_cost_question(text: str) -> bool:
    return bool(text) and _COST_QUESTION.search(fold(text)) is not None


def is_estimate_request(text: str) -> bool:
    """Asks what a bill will cost or refund ("how much will I get back for…", "combien je paie…", "what will I pay"),
    as opposed to asking about a rule that mentions an amount ("why do they take 2 euros off?")."""
    return bool(text) and _ESTIMATE.search(fold(text)) is not None


def is_refund_story(text: str) -> bool:
    return bool(text) and _REFUND_STORY.search(fold(text)) is not None


def is_switch_request(text: str) -> bool:
    """True for "in English please", "parle français", "can you answer in French?"; False for "how do I find a
    doctor who speaks English?" (a question about a doctor, not about this conversation)."""
    folded = fold(text or "")
    if not folded or _SPEAKER.search(folded):
        return False
    return len(folded.split()) <= 10 and _SWITCH.search(folded) is not None


def requested_language(text: str) -> str | None:
    """The language a switch request names: "in English please" -> 'en', "parle français" -> 'fr', "my French is
    bad, English please" -> 'en' (the one asked for, not the one mentioned)."""
    folded = fold(text or "")
    match = _SWITCH.search(folded)
    named = re.findall(_LANGUAGE, match.group(0)) if match else []
    found = named[-1:] or re.findall(_LANGUAGE, folded)
    if not found or len({name in ("english", "anglais") for name in found}) != 1:
        return None
    return "en" if found[0] in ("english", "anglais") else "fr"


def is_follow_up(text: str) -> bool:
    """A short message that leans on the previous answer ("and for a student?", "combien ça coûte ?")."""
    folded = fold(text or "")
    return bool(folded) and len(folded.split()) <= 10 and _FOLLOW_UP.search(folded) is not None
