"""Answers from the curated knowledge base: the best passage with its title, source and review date."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, off_the_loop, user_language, warn_if_urgent
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
        buttons = [
            {"title": related.title, "payload": related.questions[0] if related.questions else related.title}
            for related in answer.related[:2]
        ]
        if buttons:
            dispatcher.utter_message(response="utter_knowledge_related", buttons=buttons)
        return [SlotSet("knowledge_topic", hit.doc_id)]
