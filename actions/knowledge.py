"""Knowledge answers: the best passage with its title, source and review date, then buttons to go on.

Sent by the answer-first action (actions/answer_first.py), which decides when the knowledge base answers.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher


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


def send_knowledge_answer(
    dispatcher: CollectingDispatcher, answer: Any, offer: str | None = None, closest: bool = False
) -> None:
    """The passage of ``answer``, its citation, then ``offer`` (the response offering a guided flow, with its
    buttons) and the related topics as buttons. ``closest``: the passage is only the closest one, just under the
    confidence threshold, and the reply says so first."""
    hit = answer.hit
    if closest:
        dispatcher.utter_message(response="utter_knowledge_closest")
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
    if offer:
        dispatcher.utter_message(response=offer)
    buttons = topic_buttons(answer)
    if buttons:
        dispatcher.utter_message(response="utter_knowledge_related", buttons=buttons)
