"""The conversation store, with "delete my data": a SQL tracker store that forgets a sender on request.

The action server cannot reach the tracker store, so ``action_delete_my_data`` only sets the slot
``delete_confirmed``; when the rasa server then saves that conversation, this store deletes every stored event of
the sender instead of saving the new ones. The bot's confirmation message has already been sent to the channel;
the next message from that sender starts a new, empty conversation.

Configured in endpoints.yml (``type: bot.channels.tracker_store.ForgetfulSQLTrackerStore``), with the same keys as
Rasa's ``SQL`` store.
"""

from __future__ import annotations

import logging
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DELETE_SLOT = "delete_confirmed"


class ForgetfulSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, plus the deletion of a conversation the user asked to forget."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.get_slot(DELETE_SLOT) is True:
            deleted = self.delete_conversation(tracker.sender_id)
            # The sender id is a pseudonymous key, but not needed in the log either.
            logger.info("deleted a conversation on the user's request (%d stored events)", deleted)
            return
        await super().save(tracker)

    def delete_conversation(self, sender_id: str) -> int:
        """Delete every stored event of ``sender_id``; returns how many rows were deleted."""
        with self.session_scope() as session:
            deleted = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()
        return int(deleted)
