"""A Rasa event broker that writes escalations and unanswered questions to the app database.

Rasa publishes every new tracker event to the configured broker from inside the
Rasa server, so records are kept whatever the channel and whether or not the
action server is up. Configured in endpoints.yml:
`event_broker: type: bot.rasa.audit_broker.AuditEventBroker`.

Rows go through an outbox: `publish` (called on the event loop) only queues the
row; a writer thread stores the queue in order, and a write that fails (the
database restarting, a dropped connection) is retried with growing waits until
it succeeds, never dropped. Each row carries its user event's key, unique, so a
write whose answer was lost and is tried again makes no second row. On shutdown
the broker waits for the queue to empty (up to CLOSE_WAIT_SECONDS) and logs
what it could not write. The queue lives in memory: a crash while the database
is down loses the rows still queued (the events themselves are in the tracker
store).
"""

import asyncio
import logging
import queue
import threading
import time
from asyncio import AbstractEventLoop
from typing import Any, Dict, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.exc import IntegrityError

from bot.db.engine import session_factory
from bot.rasa.audit_records import record_for

logger = logging.getLogger(__name__)
RETRY_WAITS = (0.5, 1, 2, 5, 10)  # then every 10 s
CLOSE_WAIT_SECONDS = 30


class AuditEventBroker(EventBroker):
    def __init__(self, url: Optional[str] = None) -> None:
        self.sessions = session_factory(url)  # raises at start if the database is unreachable
        self.outbox: "queue.Queue[Any]" = queue.Queue()
        self.written = 0
        self._writer = threading.Thread(target=self._write_forever, name="audit-outbox", daemon=True)
        self._writer.start()

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Optional[AbstractEventLoop] = None
    ) -> "AuditEventBroker":
        return cls(broker_config.kwargs.get("url"))

    def publish(self, event: Dict[Text, Any]) -> None:
        record = record_for(event)
        if record is not None:
            self.outbox.put(record)

    def is_ready(self) -> bool:
        return self._writer.is_alive()

    async def close(self) -> None:
        deadline = time.monotonic() + CLOSE_WAIT_SECONDS
        while self.outbox.unfinished_tasks and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if self.outbox.unfinished_tasks:
            logger.error("%d audit rows could not be written before shutdown", self.outbox.unfinished_tasks)

    def _write_forever(self) -> None:
        while True:
            record = self.outbox.get()
            tries = 0
            while not self._write(record):
                wait = RETRY_WAITS[min(tries, len(RETRY_WAITS) - 1)]
                tries += 1
                time.sleep(wait)
            self.written += 1
            self.outbox.task_done()

    def _write(self, record: Any) -> bool:
        try:
            with self.sessions.begin() as session:
                session.add(record)
            return True
        except IntegrityError:
            return True  # this event's row is already there: an earlier try was stored
        except Exception as exc:  # the database is away: keep the row and try again
            logger.warning(
                "Audit %s not written yet (%s); it stays queued (%d waiting)",
                type(record).__name__,
                exc.__class__.__name__,
                self.outbox.qsize() + 1,
            )
            self._reset(record)
            return False

    @staticmethod
    def _reset(record: Any) -> None:
        # A failed flush may have given the object an id or state: write it afresh.
        from sqlalchemy.orm import make_transient

        make_transient(record)
        record.id = None
