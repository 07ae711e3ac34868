"""A Redis lock store whose ticket operations are atomic across rasa server processes.

Rasa 3.6's ``RedisLockStore`` keeps one conversation's ticket lock as a JSON value and changes it by reading it,
changing it in Python and writing it back. Within one process that is safe (nothing awaits in between); across
processes it is not (RasaHQ/rasa#9213): two servers that take two messages of the same conversation at the same
instant both read "no lock", both issue ticket 0, both believe they are served and process the two turns at once.
The SQL tracker store then appends only the events past the count already stored, so one of the two turns is lost
while its user got a reply (seen in the scale-out test: 8 messages sent, 7 stored). The same read-change-write race
in ``cleanup`` can delete a lock another server has just queued on.

Here each read-change-write runs in a Redis transaction (WATCH/MULTI/EXEC, retried when another process changed
the key meanwhile), with the ticket logic of Rasa's ``TicketLock`` unchanged. The key also expires once its last
ticket has, so a lock left by a crashed server does not stay in Redis. Configured in endpoints as
``lock_store: {type: rasa_server.lock_store.AtomicRedisLockStore, url: …, port: …, password: …, db: …}`` with the
same keys as Rasa's ``type: redis``.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds a lock key is kept in Redis after its last ticket expired (a margin for clocks and slow turns).
EXPIRY_MARGIN_SECONDS = 60


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's ticket operations as Redis transactions: patch 'atomic-lock-store' (rasa_server/patches.py)."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        """Built by Rasa from the endpoints' ``lock_store`` section (``endpoint_config``), or directly from the same
        keyword arguments as ``RedisLockStore`` (``host``, ``port``, ``db``, ``password``, ``key_prefix``, …)."""
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _change(self, conversation_id: str, change: Callable[[TicketLock | None], tuple[TicketLock | None, T]]) -> T:
        """Apply ``change`` to the stored lock in one transaction: ``change(lock) -> (new lock or None, result)``.

        None deletes the key. If another process writes the key between the read and the write, Redis refuses the
        write and the whole step runs again on the new value."""
        key = self.key_prefix + conversation_id
        outcome: list[T] = []

        def step(pipe: Any) -> None:
            outcome.clear()
            serialised = pipe.get(key)  # immediate read: the key is WATCHed
            lock = TicketLock.from_dict(json.loads(serialised)) if serialised else None
            new_lock, result = change(lock)
            outcome.append(result)
            pipe.multi()
            if new_lock is None or not new_lock.tickets:
                pipe.delete(key)
            else:
                last_expiry = max(ticket.expires for ticket in new_lock.tickets)
                seconds = max(1, math.ceil(last_expiry - time.time()) + EXPIRY_MARGIN_SECONDS)
                pipe.set(key, new_lock.dumps(), ex=seconds)

        self.red.transaction(step, key)
        return outcome[0]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            ticket = self._change(conversation_id, issue)
        except Exception as error:  # same contract as LockStore.issue_ticket
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        logger.debug("Issued ticket %s for a conversation.", ticket)
        return ticket

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove this ticket, and the lock with it when no one else is waiting: one step, so a ticket another
        server issues meanwhile is never deleted with the lock (a lock without tickets is deleted by ``_change``)."""
        self.finish_serving(conversation_id, ticket_number)
