"""Delete my data: after the user confirmed, mark the conversation for deletion.

The action server cannot reach the tracker store: the rasa server's store (rasa_server/tracker_store.py) sees
`delete_confirmed` when it saves the conversation and deletes every stored event of that sender instead.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_data_deleted")
        return [SlotSet("delete_confirmed", True)]
