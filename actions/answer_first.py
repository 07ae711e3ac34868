"""Answer first: one action replies to (almost) every user message, whatever intent the NLU predicted.

It gathers what the message says (bot/understanding/reading.py), asks the knowledge base and the calculator, lets
``bot.guidance.routing.decide`` choose the parts of the reply, sends them, and sets ``next_step``: the form the rules
open right after (data/rules/answer_first.yml), or ``none``. The flow that fits is offered with buttons; a typed "yes"
to that offer opens it (``offered_flow``). See docs/dialogue.md for the routing table.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent, latest_intent_confidence, latest_text, off_the_loop, user_language
from actions.cost import send_cost_answer, send_refund_explanation
from actions.emergency import send_emergency_care
from actions.fallback import suggestion_buttons
from actions.knowledge import send_knowledge_answer
from actions.language import explicit_language
from bot.guidance.cost import (
    missing_questions,
    parse_medecin_traitant,
    parse_mutuelle,
    parse_price,
    parse_refund_question,
    recognise_care,
)
from bot.guidance.enrolment import recognise_situation, situations
from bot.guidance.routing import FLOWS, Message, Plan, decide
from bot.retrieval import Answer, get_retriever
from bot.safety.urgency import is_urgent
from bot.text import fold
from bot.understanding.phrasing import looks_like_question
from bot.understanding.reading import (
    challenges_previous,
    content_words,
    describes_self,
    flow_request,
    is_cost_question,
    is_estimate_request,
    is_follow_up,
    is_injection,
    is_refund_story,
    is_switch_request,
    on_topic,
)

EMERGENCY_ARTICLE = "emergency-before-enrolment"
#: How far under the answer threshold the best passage may score and still be given, as "the closest I have".
CLOSEST_MARGIN = 0.10
#: A message of at most this many words that refers back ("and for my kids?") is a follow-up of the previous answer.
FOLLOW_UP_WORDS = 12
#: A short message that refers back is also read together with the question the previous answer replied to ("what
#: will they charge me?" after "I went to the urgences, I wasn't admitted"); that reading wins when it scores this
#: much above the message alone. Measured in docs/dialogue.md ("Follow-ups read with the previous question").
CONTEXT_MARGIN = 0.06
#: How far ahead of the passage just shown the follow-up alone must rank another passage of its article for that one
#: to be sent instead of a repeat (``_not_a_repeat``).
REPEAT_MARGIN = 0.01
#: "Delete my data" in so many words (the NLU also reads injection attempts as delete_my_data).
DELETE_WORDS = re.compile(
    r"\b(delete|erase|remove|wipe|forget|clear|supprim\w*|effac\w*|oubli\w*)\b.*\b(data|conversation|chat|history|"
    r"messages?|everything|donnees|historique|tout|discussion)\b"
)
#: The slots each flow's form asks (domain.yml ``forms``); a flow is complete when the message gave them all.
FLOW_SLOTS = {
    "enrolment": ("situation", "nationality", "time_in_france"),
    "file": ("file_status", "file_since"),
    "cost": ("care", "price", "mutuelle"),
}
#: The cost conversation's slots (domain.yml cost_form, and the age read from the text).
COST_FIELDS = ("care", "price", "basket", "device_class", "medecin_traitant", "mutuelle", "age")
OFFER_RESPONSES = {"enrolment": "utter_offer_enrolment", "cost": "utter_offer_cost", "file": "utter_offer_file"}


def _bot_uttered_since_user(tracker: Tracker, response: str) -> bool:
    """Whether the bot's reply before the latest user message was ``response``."""
    seen_user = False
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action") == response
    return False


async def knowledge_answer(tracker: Tracker, text: str, language: str) -> Any:
    """The knowledge answer to ``text`` (``_knowledge_answer``), or None; a follow-up is not answered with the very
    passage just shown when another passage of its article fits the follow-up better (``_not_a_repeat``)."""
    answer = await _knowledge_answer(tracker, text, language)
    if answer is None or answer.hit is None or not refers_back(text):
        return answer
    return await _not_a_repeat(get_retriever(), tracker, answer, text, language)


async def _knowledge_answer(tracker: Tracker, text: str, language: str) -> Any:
    """The knowledge answer to ``text``, or None. A message that finds nothing on its own, or a short follow-up ("and
    for my kids?"), is also asked about what the conversation is about (``context_articles``); that reading wins when
    the message alone finds nothing, or finds less. Failing all, the closest passage (``closest_answer``). A prompt
    injection gets no knowledge answer."""
    if not text.strip() or is_injection(text):
        return None
    retriever = get_retriever()
    answer = await off_the_loop(retriever.answer, text, language)
    plain_confident = answer is not None and answer.confident and answer.hit is not None
    # A message that finds nothing on its own, or a short one that leans on the previous answer, is asked again
    # about what the conversation is about (the previous answer's article, the user's situation).
    leaning = len(text.split()) <= FOLLOW_UP_WORDS and is_follow_up(text)
    names_subject = on_topic(text)  # a word of health insurance of its own ("et pour la carte vitale ?")
    topic = tracker.get_slot("knowledge_topic")
    shown = shown_passage(tracker)
    previous = previous_question(tracker) if refers_back(text) else None
    if previous:
        in_context = await off_the_loop(retriever.answer, f"{previous} {text}", language)
        # A follow-up that stays in the article the conversation is about needs no margin when it names no subject
        # of its own: "and who is exempt from paying that?" after the forfait journalier is about it, whatever other
        # article the words alone find; "et pour la carte vitale ?" names its subject, and may leave the article.
        stays = in_context.hit is not None and in_context.hit.doc_id == topic
        margin = 0.0 if leaning and stays and not names_subject else CONTEXT_MARGIN
        if (
            in_context.confident
            and in_context.hit is not None
            and (not plain_confident or in_context.score >= answer.score + margin)
        ):
            return in_context
    contexts = context_articles(tracker, language) if (not plain_confident or leaning) else []
    for context in contexts:
        # A message that finds nothing by itself is read after the very section just shown ("and for a 10 year
        # old?" after the glasses); one that does, after the article's title only, which leans on it less.
        label = context.title if plain_confident else context_label(context, shown)
        again = await off_the_loop(retriever.answer, f"{label}: {text}", language, topic=context.doc_id)
        # ... and a message that names a subject of its own ("et pour la carte vitale ?" after a family member's
        # documents) leaves the article unless that reading wins by CONTEXT_MARGIN.
        needed = (answer.score + (CONTEXT_MARGIN if names_subject else 0.0)) if plain_confident else 0.0
        if again.confident and again.hit is not None and again.score >= needed:
            answer, plain_confident = again, True
            break
    if plain_confident:
        return answer
    closest = await closest_answer(retriever, text, language)
    # A follow-up is about what the conversation is about, even without a word of health insurance of its own
    # ("et qui ne le paie pas ?" after the forfait journalier): its closest passage is looked for there too.
    # So is a question about health insurance asked once the user has described their situation ("how do I get
    # health insurance here?" after "I just arrived in Toulouse for an exchange semester").
    for context in contexts if closest is None and (leaning or names_subject) else ():
        query = f"{context_label(context, shown)}: {text}"
        closest = await closest_answer(retriever, query, language, topic=context.doc_id, on_topic_already=True)
        if closest is not None:
            break
    if closest is None:
        closest = await situation_answer(retriever, text, language)
    return closest


async def situation_answer(retriever: Any, text: str, language: str) -> Any:
    """For a statement in which users describe their situation, when nothing else answers it ("on est retraités
    anglais, on vient d'acheter une maison dans le Lot"): the guide of that situation — its passage closest to the
    message, or its opening — so that the statement is answered, and the checklist offered after it."""
    if looks_like_question(text) or not describes_self(text):
        return None
    situation = recognise_situation(text)
    doc_id = (situations().get(situation) or {}).get("article") if situation else None
    guide = retriever.article(doc_id, language) if doc_id else None
    if guide is None:
        return None
    closest = await closest_answer(retriever, f"{guide.title}: {text}", language, topic=doc_id, on_topic_already=True)
    if closest is not None and closest.hit.doc_id == doc_id:
        return closest
    return Answer(confident=True, hit=guide, score=0.0)


async def _not_a_repeat(retriever: Any, tracker: Tracker, answer: Any, text: str, language: str) -> Any:
    """A follow-up answered with the very passage the previous reply showed ("is there a deadline?" after the
    feuille de soins, read with its previous question) gets instead the passage of that article the follow-up
    *alone* ranks first ("The 2-year time limit"), when it ranks it REPEAT_MARGIN above the passage shown; else the
    answer stays as it is. Measured end to end in docs/dialogue.md ("Follow-ups that repeat the passage just
    shown")."""
    shown = shown_passage(tracker)
    if shown != answer.hit.id or challenges_previous(text):
        return answer
    ranked = await off_the_loop(retriever.in_article, text, language, answer.hit.doc_id)
    other = ranked[0] if ranked else None
    # The follow-up alone must put that other passage clearly ahead of the one shown ("is there a deadline?"); on
    # a near tie ("je dois payer la nouvelle carte ?" after the lost card) the passage shown answers it.
    shown_score = next((hit.score for hit in ranked if hit.id == shown), 0.0)
    if other is None or other.id == shown or other.score < shown_score + REPEAT_MARGIN:
        return answer
    return replace(answer, hit=other, linked=retriever.linked(other))


def shown_passage(tracker: Tracker) -> str | None:
    """The id of the passage the bot's reply to the previous user message showed (its citation), if any."""
    seen_user = False
    for event in reversed(tracker.events or []):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and kind == "bot":
            custom = ((event.get("data") or {}).get("custom")) or {}
            if isinstance(custom, dict) and custom.get("type") == "citation":
                return str(custom.get("id") or "") or None
    return None


def refers_back(text: str) -> bool:
    """A short message that may lean on the previous answer: it says so ("and for my kids?") or has no word of
    health insurance of its own ("can I attach documents there?")."""
    return len(text.split()) <= FOLLOW_UP_WORDS and (is_follow_up(text) or not on_topic(text))


def previous_question(tracker: Tracker) -> str | None:
    """The user's message before the latest one, when the bot answered it from the knowledge base
    (``knowledge_topic`` is set); None otherwise."""
    if not tracker.get_slot("knowledge_topic"):
        return None
    seen_latest = False
    for event in reversed(tracker.events or []):
        if event.get("event") != "user":
            continue
        if seen_latest:
            return (event.get("text") or "").strip() or None
        seen_latest = True
    return None


async def closest_answer(
    retriever: Any, text: str, language: str, topic: str | None = None, on_topic_already: bool = False
) -> Any:
    """The best passage when it scores just under the answer threshold (``CLOSEST_MARGIN``) for a message about
    health insurance (``on_topic_already``: a follow-up in a conversation about it): said as "the closest I have",
    which beats "I don't know" when the passage is the right one (the threshold is tuned to refuse rather than risk
    a wrong answer; docs/retrieval.md)."""
    if not (on_topic_already or on_topic(text)):
        return None
    hits = await off_the_loop(retriever.search, text, language, 3, topic=topic)
    if not hits or hits[0].score < retriever.threshold(language) - CLOSEST_MARGIN:
        return None
    related = tuple(h for h in hits[1:] if h.doc_id != hits[0].doc_id)
    return Answer(confident=True, hit=hits[0], related=related, score=hits[0].score, closest=True)


def context_articles(tracker: Tracker, language: str) -> list[Any]:
    """What a short message may lean on: the article of the previous answer, then the guide of the situation the
    user described ("je suis graphiste freelance" ... "mes cotisations je les paie à qui ?")."""
    retriever = get_retriever()
    topic = tracker.get_slot("knowledge_topic")
    doc_ids = [topic]
    situation = tracker.get_slot("situation")
    if situation in situations():
        doc_ids.append(situations()[situation].get("article"))
    shown = shown_passage(tracker)
    found = []
    for doc_id in dict.fromkeys(d for d in doc_ids if d):
        # The previous answer's own section, when the reply showed one of that article: "and for a 10 year old?"
        # after the glasses is about the glasses just shown, not about the whole article on responsible contracts.
        section = retriever.passage(shown, language) if doc_id == topic and shown else None
        context = section if section is not None and section.doc_id == doc_id else retriever.article(doc_id, language)
        if context is not None:
            found.append(context)
    return found


def context_label(context: Any, shown: str | None) -> str:
    """What a message is read after, for a context of ``context_articles``: the section's title path ("The contrat
    responsable › Glasses under a contrat responsable") for the section just shown (``shown``, its id), the
    article's title otherwise."""
    return context.title_path if context.id == shown else context.title


def cost_fields(tracker: Tracker) -> dict[str, Any]:
    """The cost slots, normalised: an NLU entity may have filled them with the user's own words ("GP", "€30")."""
    fields = {name: tracker.get_slot(name) for name in COST_FIELDS}
    readers = {
        "care": recognise_care,
        "price": lambda value: parse_price(value, bare_number=True),
        "mutuelle": lambda value: parse_mutuelle(value, answering=True),
        "medecin_traitant": lambda value: parse_medecin_traitant(value, answering=True),
    }
    for name, read in readers.items():
        value = fields.get(name)
        if value is not None and not isinstance(value, bool):
            fields[name] = read(str(value)) or (value if name != "care" else None)
    return fields


def read_message(tracker: Tracker, answer: Any, refund: Any) -> Message:
    """The facts of the latest user message that the decision needs."""
    text = latest_text(tracker)
    loop = (tracker.active_loop or {}).get("name")
    doc = answer.hit.doc_id if answer is not None else None
    slots = {name: tracker.get_slot(name) for slots in FLOW_SLOTS.values() for name in slots}
    fields = cost_fields(tracker)
    missing = _missing_cost_questions(fields)
    return Message(
        intent=latest_intent(tracker),
        text=text,
        intent_confidence=latest_intent_confidence(tracker),
        is_question=looks_like_question(text),
        content_words=content_words(text),
        urgent=is_urgent(text),
        switch_request=_switch_request(tracker, text),
        domain_words=on_topic(text),
        flow_request=flow_request(text),
        knowledge_doc=doc,
        knowledge_is_emergency=doc == EMERGENCY_ARTICLE,
        care=fields.get("care"),
        price=fields.get("price"),
        cost_question=is_cost_question(text),
        estimate_request=is_estimate_request(text),
        can_estimate=bool(fields.get("care")) and not {"care", "price", "basket", "device_class"} & set(missing),
        estimate_complete=bool(fields.get("care")) and not missing,
        delete_request=latest_intent(tracker) == "delete_my_data"
        and (not text or bool(DELETE_WORDS.search(fold(text)))),
        injection=is_injection(text),
        refund_question=refund is not None,
        active_loop=loop,
        offered_flow=tracker.get_slot("offered_flow"),
        flow_complete={flow: all(slots.get(name) for name in names) for flow, names in FLOW_SLOTS.items()},
        clarified_before=_bot_uttered_since_user(tracker, "utter_clarify"),
    )


def _switch_request(tracker: Tracker, text: str) -> bool:
    """A request to change the conversation's language: a language button, "in English please", or the NLU's
    switch_language for a short statement ("change language"); never a question that mentions a language."""
    if latest_intent(tracker) == "switch_language" and (
        not text or (not looks_like_question(text) and content_words(text) <= 4)
    ):
        return True
    return bool(text) and is_switch_request(text)


def _missing_cost_questions(fields: dict[str, Any]) -> list[str]:
    """The cost questions whose answer would change the estimate and is unknown (the calculator decides)."""
    return missing_questions(fields) if fields.get("care") else ["care"]


class ActionAnswerFirst(Action):
    def name(self) -> str:
        return "action_answer_first"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        language = user_language(tracker)
        text = latest_text(tracker)
        answer = await knowledge_answer(tracker, text, language)
        refund = parse_refund_question(text) if is_refund_story(text) else None
        message = read_message(tracker, answer, refund)
        plan = decide(message)
        events = await self.send(plan, message, answer, refund, dispatcher, tracker, language)
        next_step = plan.open_flow or "none"
        events.append(SlotSet("next_step", next_step))
        events.append(SlotSet("offered_flow", plan.offer_flow))
        return events

    async def send(
        self,
        plan: Plan,
        message: Message,
        answer: Any,
        refund: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        language: str,
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        if plan.emergency_first or plan.emergency_full:
            dispatcher.utter_message(response="utter_emergency")
        if plan.emergency_full:
            send_emergency_care(dispatcher, language)
        if plan.language_switched:
            known = explicit_language(tracker)
            dispatcher.utter_message(response="utter_language_switched" if known else "utter_ask_which_language")
        if plan.response:
            dispatcher.utter_message(response=plan.response)
        if plan.refund:
            events += await send_refund_explanation(dispatcher, tracker, refund)
        if plan.estimate:
            events += await send_cost_answer(dispatcher, tracker, cost_fields(tracker))
        if plan.knowledge and answer is not None:
            offer = OFFER_RESPONSES.get(plan.offer_flow or "")
            send_knowledge_answer(dispatcher, answer, offer=offer, closest=answer.closest)
            events.append(SlotSet("knowledge_topic", answer.hit.doc_id))
        elif plan.offer_flow and not plan.unknown:
            dispatcher.utter_message(response=OFFER_RESPONSES[plan.offer_flow])
        if plan.clarify:
            ranking = (tracker.latest_message or {}).get("intent_ranking") or []
            topics = await off_the_loop(get_retriever().search, message.text, language, k=2)
            dispatcher.utter_message(response="utter_clarify", buttons=suggestion_buttons(ranking, topics, language))
        if plan.unknown:
            dispatcher.utter_message(response="utter_knowledge_unknown")
            events.append(SlotSet("knowledge_topic", None))
            if plan.offer_flow:
                dispatcher.utter_message(response=OFFER_RESPONSES[plan.offer_flow])
        if plan.invalid_answer:
            requested = tracker.get_slot("requested_slot")
            dispatcher.utter_message(response=f"utter_{requested}_invalid" if requested else "utter_default")
        # The form opens now: its first question follows; say why, briefly, when the message was a question.
        if (
            plan.open_flow
            and plan.open_flow in FLOWS.values()
            and not plan.answered
            and message.text
            and message.is_question
        ):
            dispatcher.utter_message(response="utter_flow_intro")
        return events
