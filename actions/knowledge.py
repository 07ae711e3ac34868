"""Answers from the curated knowledge base: the best passage with its title, source and review date."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, off_the_loop, user_language, warn_if_urgent
from actions.extract import ANSWER_READERS
from bot.phrasing import looks_like_question
from bot.retrieval import get_retriever


def citation_payload(hit: Any) -> dict[str, Any]:
    """Custom payload a rich client (the web widget) shows as a citation."""
    return {
        "type": "citation",
        "id": hit.id,
        "lang": hit.lang,
        "title": hit.title_path,
        "source": hit.source,
        "last_reviewed": hit.last_reviewed,
    }


def topic_buttons(answer: Any, limit: int = 3) -> list[dict[str, str]]:
    """Buttons to go on: the articles the passage links to (its links lead nowhere in a chat), then related
    articles; one per article, each sending that article's first example question."""
    buttons: list[dict[str, str]] = []
    seen = {answer.hit.doc_id}
    for topic in (*answer.linked, *answer.related):
        if topic.doc_id in seen or len(buttons) == limit:
            continue
        seen.add(topic.doc_id)
        buttons.append({"title": topic.title, "payload": topic.questions[0] if topic.questions else topic.title})
    return buttons


class ActionAnswerKnowledge(Action):
    def name(self) -> str:
        return "action_answer_knowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        warn_if_urgent(dispatcher, tracker)
        language = user_language(tracker)
        question = latest_text(tracker)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        answer = None
        if question.strip():
            answer = await off_the_loop(get_retriever().answer, question, language, intent=intent)
        if answer is None or not answer.confident or answer.hit is None:
            requested = tracker.get_slot("requested_slot") if (tracker.active_loop or {}).get("name") else None
            if requested in ANSWER_READERS and not looks_like_question(question):
                # A statement the knowledge base knows nothing about, in reply to the form's question ("I am a
                # wizard" to "what is your situation?"): an answer the form did not recognise; it asks again.
                dispatcher.utter_message(response=f"utter_{requested}_invalid")
            else:
                dispatcher.utter_message(response="utter_knowledge_unknown")
            return [SlotSet("knowledge_topic", None)]
        hit = answer.hit
        if answer.other_language:
            dispatcher.utter_message(response="utter_knowledge_other_language")
        dispatcher.utter_message(
            response="utter_knowledge_answer",
            heading=hit.title_path,
            passage=hit.text,
            source_url=hit.source,
            reviewed=hit.last_reviewed,
        )
        dispatcher.utter_message(json_message=citation_payload(hit))
        buttons = topic_buttons(answer)
        if buttons:
            dispatcher.utter_message(response="utter_knowledge_related", buttons=buttons)
        return [SlotSet("knowledge_topic", hit.doc_id)]
