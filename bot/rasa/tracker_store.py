"""The SQL tracker store, configured by one environment variable.

TRACKER_STORE_URL is any SQLAlchemy URL (postgresql://user:pass@host/db for
scale-out); unset, conversations go to a SQLite file in var/. Using one URL
keeps endpoints.yml free of ${VAR} placeholders, which Rasa refuses to start
with when the variable is unset (so plain `rasa shell` keeps working).
"""

import json
import os
from typing import Any, List, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import create_engine, text
from sqlalchemy import event as sa_event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import SingletonThreadPool

from bot import PROJECT_ROOT

DEFAULT_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"


def tracker_store_url() -> str:
    return os.environ.get("TRACKER_STORE_URL") or DEFAULT_URL


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers and the writer work at once; NORMAL syncs at checkpoints
    # instead of every commit, which in WAL mode can lose the last commits only
    # on a power loss or OS crash, never on a process crash, and never corrupts.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class TrackerStoreUnavailable(RasaException):
    """The tracker store database cannot be reached or used."""


def check_connection(url: URL, timeout: int = 10) -> None:
    """Connect once and run SELECT 1; raises TrackerStoreUnavailable with the reason."""
    connect_args = {"connect_timeout": timeout} if url.get_backend_name() == "postgresql" else {}
    engine = create_engine(url, future=True, connect_args=connect_args)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise TrackerStoreUnavailable(
            f"cannot use the tracker store at {url.render_as_string(hide_password=True)} "
            f"(TRACKER_STORE_URL): {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from exc
    finally:
        engine.dispose()


class ConfiguredSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        url = make_url(tracker_store_url())
        if url.drivername.startswith("sqlite") and url.database:
            os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
        check_connection(url)
        super().__init__(
            domain=domain,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database,
            username=url.username,
            password=url.password,
            query=dict(url.query),
            event_broker=event_broker,
            **kwargs,
        )
        if url.drivername.startswith("sqlite"):
            # SQLAlchemy 1.4 opens and closes a file connection per session for
            # SQLite (NullPool); closing the last one checkpoints and deletes the
            # WAL each time. Keep one connection per thread instead.
            # self.engine and self.sessionmaker were set by SQLTrackerStore.__init__.
            url_of_store = self.engine.url  # type: ignore[has-type]
            self.engine.dispose()  # type: ignore[has-type]
            self.engine = create_engine(
                url_of_store, poolclass=SingletonThreadPool, connect_args={"check_same_thread": False}
            )
            sa_event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events, then publish exactly those to the event broker.

        Rasa's SQLTrackerStore.save first re-reads and deserialises the whole
        stored tracker only to find the new events for the broker, and then
        counts the stored events again to find what to insert. Here the count
        is done once and serves both, which saves a full tracker load on every
        message; publishing after the commit also means an audit record is only
        written for events that were really stored.
        """
        with self.session_scope() as session:
            new_events: List[Event] = list(self._additional_events(session, tracker))
            for event in new_events:
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
