"""Answer first: what the reply to one user message is made of, decided from what the message says.

Every user message that is not a fixed command (delete my data, unusable input) goes through one decision, whatever
intent the NLU predicted: the question is answered first (knowledge passage, cost estimate, refund explanation, the
emergency numbers), and the flow that fits (personal checklist, cost estimate, help with a file) is offered after it,
or opened at once when the message asked for it and nothing can be answered yet. ``decide`` is plain logic over the
facts gathered by the action (actions/answer_first.py); docs/dialogue.md shows the same table.

| the message                                     | first reply                         | then                       |
|-------------------------------------------------|-------------------------------------|----------------------------|
| a flow's button (``/start_enrolment``...)       | -                                   | that flow's form           |
| "delete my data", its button, ``/delete``       | -                                   | the confirmation question  |
| "yes" / "no" right after an offer               | -                                   | the offered form / ok      |
| urgent words or the emergency intent            | 15 / 112 first                      | the rest of this table     |
| a prompt injection                              | what the assistant is for           | -                          |
| an explicit language switch                     | "I'll continue in ..."              | -                          |
| "I paid X and got Y back"                       | the refund explained                | -                          |
| a bill with its price                           | the estimate, its assumptions said  | cost form: what changes it |
| anything the knowledge base answers confidently | the passage, with its source        | offer of the flow          |
| a care without a price the calculator can price | the estimate at the official tariff | -                          |
| a flow request the knowledge base cannot answer | -                                   | that flow's form           |
|   (a question that only sounds like one)        | "I don't know" with the contacts    | offer of the flow          |
| greeting, thanks, goodbye, what can you do      | its response                        | -                          |
| off-topic                                       | what the assistant is for           | -                          |
| unclear (NLU fallback, first time)              | "did you mean" buttons              | -                          |
| anything else                                   | "I don't know" with the contacts    | -                          |

Inside a form the message is answered (never a new form) and the form asks its question again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

#: The guided flows, by the intent that asks for them; each has a form in domain.yml (``<flow>_form``).
FLOWS = {"start_enrolment": "enrolment", "ask_cost": "cost", "file_problem": "file"}
#: Knowledge articles that lead to a flow: after answering from them, that flow is offered.
ARTICLE_FLOWS = {
    "enrolment": ("enrol-", "puma-entitlement", "documents", "submitting-application", "timelines"),
    "file": ("lost-or-stalled-file", "letter-"),
    "cost": ("reimbursement-basics", "hospital-costs", "patient-charges", "mutuelle", "choosing-a-mutuelle"),
}
#: Intents with a fixed response of their own, sent when the message holds nothing else to answer.
SMALL_TALK = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_you_are_welcome",
    "what_can_you_do": "utter_what_can_you_do",
}


@dataclass(frozen=True)
class Message:
    """What is known of one user message when the reply is decided."""

    intent: str | None
    text: str  # '' for a button payload or an intent trigger
    intent_confidence: float = 1.0  # the NLU's confidence in ``intent`` (1.0 for a button or an intent trigger)
    is_question: bool = False
    content_words: int = 0  # words that are not greetings, thanks or fillers
    urgent: bool = False
    switch_request: bool = False
    domain_words: bool = False  # words of health insurance (see bot/understanding: on_topic)
    flow_request: str | None = None  # the flow the words of the message ask for ("I want to enrol")
    knowledge_doc: str | None = None  # the article of the confident knowledge answer, None when unsure
    knowledge_is_emergency: bool = False  # that answer is only the emergency article
    care: str | None = None
    price: str | None = None
    cost_question: bool = False  # about what a care costs or refunds ("is the gynecologist reimbursed...")
    estimate_request: bool = False  # asks what a bill will cost the user ("how much will I get back for...")
    can_estimate: bool = False  # the calculator can estimate now (a price given, or the care's official tariff)
    estimate_complete: bool = False  # ... and no answer that would change the estimate is missing
    delete_request: bool = False  # asks to delete the conversation ("delete my data", its button)
    injection: bool = False  # tries to set aside or show the assistant's instructions (a prompt injection)
    refund_question: bool = False  # "I paid X and got Y back: why?"
    active_loop: str | None = None
    offered_flow: str | None = None  # the flow offered by the previous reply, if the user has not answered yet
    flow_complete: dict[str, bool] = field(default_factory=dict)  # flow -> every question already answered
    clarified_before: bool = False  # the previous reply already asked what the user meant


@dataclass(frozen=True)
class Plan:
    """The parts of the reply, in the order they are sent, and what comes next."""

    emergency_first: bool = False
    emergency_full: bool = False  # the whole emergency guidance (hospitals, PASS, invoices)
    language_switched: bool = False
    response: str | None = None  # a fixed response (utter_*) sent instead of an answer
    refund: bool = False
    estimate: bool = False
    knowledge: bool = False
    clarify: bool = False
    unknown: bool = False  # "I don't know" with the contacts
    invalid_answer: bool = False  # inside a form: a statement that answers nothing (utter_<slot>_invalid)
    open_flow: str | None = None  # the form to open right after this reply ("delete": the deletion confirmation)
    offer_flow: str | None = None  # the flow to offer with buttons after the answer

    @property
    def answered(self) -> bool:
        return self.refund or self.estimate or self.knowledge or self.emergency_full


class _Parts(TypedDict, total=False):
    """The answer parts of a Plan (its fields of the same names)."""

    refund: bool
    estimate: bool
    knowledge: bool
    open_flow: str | None
    offer_flow: str | None


def flow_of_article(doc_id: str | None) -> str | None:
    if not doc_id:
        return None
    for flow, prefixes in ARTICLE_FLOWS.items():
        if any(doc_id == prefix or (prefix.endswith("-") and doc_id.startswith(prefix)) for prefix in prefixes):
            return flow
    return None


def decide(message: Message) -> Plan:
    """The reply to ``message`` (see the module docstring)."""
    m = message
    if m.active_loop:
        return _inside_form(m)
    flow_of_intent = FLOWS.get(m.intent or "")
    if not m.text:
        # A button or an intent trigger: "/start_enrolment" opens its flow; "/affirm" answers an offer.
        if flow_of_intent:
            return Plan(open_flow=flow_of_intent)
        if m.switch_request:
            return Plan(language_switched=True)
        if m.intent == "emergency":
            return Plan(emergency_full=True)
        if m.intent == "delete_my_data":
            return Plan(open_flow="delete")
        if m.intent in ("affirm", "deny") and m.offered_flow:
            return _answer_to_offer(m)
        if m.intent in SMALL_TALK:
            return Plan(response=SMALL_TALK[m.intent])
        return Plan(response="utter_anything_else")
    if m.intent in ("affirm", "deny") and m.offered_flow and not m.is_question and m.content_words <= 4:
        return _answer_to_offer(m)
    if m.delete_request:
        return Plan(open_flow="delete")
    emergency = m.urgent or m.intent == "emergency"
    if m.injection and not emergency:
        # Never a knowledge answer read as a follow-up of the previous one, nor a form nobody asked for.
        return Plan(response="utter_out_of_scope")
    if m.switch_request:
        return Plan(emergency_first=emergency, language_switched=True)
    if emergency and (m.knowledge_doc is None or m.knowledge_is_emergency) and not m.cost_question:
        return Plan(emergency_full=True)
    answer = _answer(m)
    if answer is not None:
        return Plan(emergency_first=emergency, **answer)
    # Nothing to answer from: a flow the message asks for opens; the rest gets its fixed response or the truth. A
    # question whose intent only sounds like a flow ("mon remboursement n'est jamais arrivé, ça peut venir d'où ?")
    # is not a request for it: it gets "I don't know" with the contacts, and the flow is offered, not opened.
    flow = m.flow_request or (flow_of_intent if m.domain_words and not m.is_question else None)
    if (m.cost_question or m.estimate_request) and m.care:
        flow = "cost"
    if flow:
        return Plan(emergency_first=emergency, open_flow=flow)
    if emergency:
        return Plan(emergency_full=True)
    short = m.content_words < 3
    if m.intent in SMALL_TALK and (short or (m.intent == "greet" and not m.is_question)):
        # "Bonjour, je viens d'arriver en France": a greeting with a story is still a greeting.
        return Plan(response=SMALL_TALK[m.intent])
    if m.intent in ("affirm", "deny") and short:
        return Plan(response="utter_anything_else")
    if not m.domain_words:
        # Nothing of health insurance in it (the NLU's out_of_scope alone is not enough: "mon titre de séjour a été
        # renouvelé, je dois prévenir l'assurance maladie ?" is a question for us).
        return Plan(response="utter_out_of_scope")
    if m.intent == "nlu_fallback" and not m.clarified_before:
        return Plan(clarify=True)
    return Plan(unknown=True, offer_flow=flow_of_intent)


def _answer(m: Message) -> _Parts | None:
    """The answer parts when the message asks something that can be answered now, else None."""
    small_talk = m.intent in SMALL_TALK and not m.is_question and m.content_words < 3
    if small_talk:
        return None
    if m.refund_question:
        return {"refund": True}
    if m.estimate_request and m.care and (m.price or not m.knowledge_doc):
        # A bill with its price ("a €50 dermatologist"), or a care the knowledge base says nothing about.
        return _estimate(m)
    if m.knowledge_doc:
        offer = _offer(m)
        # The message already said everything the flow asks, or asked for the flow in so many words: the flow
        # continues at once after the answer (its form asks what is missing, or gives its result).
        if (
            offer
            and FLOWS.get(m.intent or "") == offer
            and (m.flow_complete.get(offer) or (m.flow_request == offer and not m.is_question))
        ):
            return {"knowledge": True, "open_flow": offer}
        return {"knowledge": True, "offer_flow": offer}
    if m.cost_question and m.care and m.can_estimate:
        return _estimate(m)
    return None


def _estimate(m: Message) -> _Parts:
    """A bill to estimate: the estimate now with the calculator's assumptions (the official tariff for a missing
    price), then the cost form asks only the answers that would change it; without a price the calculator can
    assume, the form asks first."""
    if not m.can_estimate:
        return {"open_flow": "cost"}
    return {"estimate": True, "open_flow": None if m.estimate_complete else "cost"}


#: Below this confidence the NLU's intent does not choose the flow offered after a knowledge answer when the
#: article that answered has a flow of its own ("I'm a British retiree with an S1, do I have to wait 3 months?"
#: read as a file problem at 0.58: the retirees' article offers the checklist).
SURE_INTENT = 0.8


def _offer(m: Message) -> str | None:
    of_intent = FLOWS.get(m.intent or "")
    of_article = flow_of_article(m.knowledge_doc)
    if of_article and m.intent_confidence < SURE_INTENT:
        of_intent = None
    flow = of_intent or m.flow_request or of_article
    if flow == "cost" and not m.care:
        # A question about a mutuelle's price, a forfait or glasses: the estimate helps only with a care the
        # calculator knows in view.
        return None
    return flow


def _answer_to_offer(m: Message) -> Plan:
    if m.intent == "affirm":
        return Plan(open_flow=m.offered_flow)
    return Plan(response="utter_offer_declined")


def _inside_form(m: Message) -> Plan:
    emergency = m.urgent or m.intent == "emergency"
    if m.injection and not emergency:
        return Plan(response="utter_out_of_scope")
    if m.switch_request and not m.is_question:
        return Plan(emergency_first=emergency, language_switched=True)
    if m.intent == "emergency" and (m.knowledge_doc is None or m.knowledge_is_emergency):
        return Plan(emergency_full=True)
    if m.intent in SMALL_TALK and not m.is_question and m.content_words < 3:
        return Plan(response=SMALL_TALK[m.intent])
    if m.refund_question:
        return Plan(emergency_first=emergency, refund=True)
    if m.knowledge_doc:
        return Plan(emergency_first=emergency, knowledge=True)
    if not m.is_question:
        return Plan(emergency_first=emergency, invalid_answer=True)
    if not m.domain_words:
        return Plan(emergency_first=emergency, response="utter_out_of_scope")
    return Plan(emergency_first=emergency, unknown=True)
