"""A Rasa event broker that writes escalations and unanswered questions to the app database.

Rasa publishes every new tracker event to the configured broker from inside the
Rasa server, so records are kept whatever the channel and whether or not the
action server is up. Configured in endpoints.yml:
`event_broker: type: bot.rasa.audit_broker.AuditEventBroker`.
"""

import logging
from asyncio import AbstractEventLoop
from typing import Any, Dict, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.db.engine import session_factory
from bot.rasa.audit_records import record_for

logger = logging.getLogger(__name__)


class AuditEventBroker(EventBroker):
    def __init__(self, url: Optional[str] = None) -> None:
        self.sessions = session_factory(url)  # raises at start if the database is unreachable

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Optional[AbstractEventLoop] = None
    ) -> "AuditEventBroker":
        return cls(broker_config.kwargs.get("url"))

    def publish(self, event: Dict[Text, Any]) -> None:
        record = record_for(event)
        if record is None:
            return
        try:
            with self.sessions.begin() as session:
                session.add(record)
        except Exception:  # never lose the family's reply over an audit write
            logger.exception("Could not write %s audit record", type(record).__name__)

    def is_ready(self) -> bool:
        return True
