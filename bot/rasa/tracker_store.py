"""The SQL tracker store, configured by one environment variable, that never forgets quietly.

TRACKER_STORE_URL is any SQLAlchemy URL (postgresql://user:pass@host/db for
scale-out); unset, conversations go to a SQLite file in var/. Using one URL
keeps endpoints.yml free of ${VAR} placeholders, which Rasa refuses to start
with when the variable is unset (so plain `rasa shell` keeps working).

When the database fails while the server runs, Rasa's FailSafeTrackerStore
would answer from memory: a failed load starts a fresh conversation, a failed
save keeps the events in memory only. Here (with bot/rasa/patches.py letting
errors through the FailSafe wrapper) a call that still fails after a few
retries raises TrackerStoreUnavailable: the channel tells the family to try
again (escalations still answered), and nothing is stored half. Every call
runs in a thread pool, off the event loop, under a statement timeout, on
connections checked before use (pool_pre_ping); SQL errors never show the
message text (hide_parameters).
"""

import asyncio
import fcntl
import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, Callable, Iterable, Iterator, List, Optional, Text, TypeVar

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import create_engine, text
from sqlalchemy import event as sa_event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from bot import PROJECT_ROOT

DEFAULT_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
logger = logging.getLogger(__name__)
T = TypeVar("T")
# Tries of one call, and the waits between them: a Postgres restart or a killed
# backend is bridged; a database that stays away fails the message in ~2 s.
RETRY_WAITS = (0.2, 0.6, 1.2)
STATEMENT_TIMEOUT_MS = 5000
DB_THREADS = 8


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
        # self.engine and self.sessionmaker were set by SQLTrackerStore.__init__; use our own.
        url_of_store = self.engine.url  # type: ignore[has-type]
        self.engine.dispose()  # type: ignore[has-type]
        self.engine = create_engine(url_of_store, **engine_options(url_of_store))
        self._lock_path: Optional[str] = None
        self._thread_turn = threading.Lock()
        if url_of_store.drivername.startswith("sqlite"):
            sa_event.listen(self.engine, "connect", _sqlite_pragmas)
            if url_of_store.database:
                self._lock_path = os.path.abspath(url_of_store.database) + ".write-lock"
        self.sessionmaker = sessionmaker(bind=self.engine)
        self.executor = ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="tracker-store")

    async def _in_thread(self, call: Callable[[], T]) -> T:
        """Run a database call in the pool, retried on a lost or refused connection."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(_retried, call))

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._in_thread(partial(self._retrieve_now, sender_id, False))

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await self._in_thread(partial(self._retrieve_now, conversation_id, True))

    async def keys(self) -> Iterable[Text]:
        def keys_now() -> List[Text]:
            with self.session_scope() as session:
                return [sender for (sender,) in session.query(self.SQLEvent.sender_id).distinct().all()]

        return await self._in_thread(keys_now)

    def _retrieve_now(self, sender_id: Text, all_sessions: bool) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            # Only the data column: no ORM object per stored event (a third of a load).
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=all_sessions)
            events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data).all()]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events, then publish exactly those to the event broker.

        Rasa's SQLTrackerStore.save first re-reads and deserialises the whole
        stored tracker only to find the new events for the broker, and then
        counts the stored events again to find what to insert. Here the count
        is done once and serves both, which saves a full tracker load on every
        message; publishing after the commit also means an audit record is only
        written for events that were really stored. A retried save counts
        again, so events stored by a try whose answer was lost are not stored
        twice.
        """
        new_events = await self._in_thread(partial(self._save_now, tracker))
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    def _save_now(self, tracker: DialogueStateTracker) -> List[Event]:
        with self._write_turn(), self.session_scope() as session:
            new_events: List[Event] = list(self._additional_events(session, tracker))
            rows = []
            for event in new_events:
                data = event.as_dict()
                rows.append(
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        "action_name": data.get("name"),
                        "data": json.dumps(data),
                    }
                )
            if rows:  # one executemany, no ORM object per event
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()
        return new_events

    @contextmanager
    def _write_turn(self) -> Iterator[None]:
        """SQLite: one save at a time across the threads and processes using the file.

        Two writers of one SQLite file otherwise meet in SQLite's busy handler, which
        sleeps 1, 2, 5, 10 ... 100 ms between tries whatever the other writer does:
        measured under the bench load, a save spent most of its time there. A blocking
        flock on a file beside the database wakes the next writer when the lock is
        released. Other databases lock rows themselves."""
        if self._lock_path is None:
            yield
            return
        with self._thread_turn, open(self._lock_path, "a") as lock_file:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


def engine_options(url: URL) -> dict:
    """Connections checked before use, SQL errors without their parameters (message
    texts), and for Postgres a statement timeout.

    SQLite keeps its connections open in a queue pool as large as the thread pool (closing
    the last file connection would checkpoint and drop the WAL every time), each used by
    one thread at a time. Not SingletonThreadPool: with more threads than its size it
    closes connections other threads are using, and sqlite3 then crashes the process."""
    options: dict = {"pool_pre_ping": True, "hide_parameters": True}
    if url.drivername.startswith("sqlite"):
        # A connection to a local file is never dropped: no SELECT 1 before every use.
        options.update(
            pool_pre_ping=False,
            poolclass=QueuePool,
            pool_size=DB_THREADS,
            max_overflow=DB_THREADS,
            connect_args={"check_same_thread": False},
        )
    else:
        options.update(create_engine_kwargs(url))
        if url.get_backend_name() == "postgresql":
            connect_args = dict(options.get("connect_args") or {})
            extra = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
            connect_args["options"] = f"{connect_args['options']} {extra}" if connect_args.get("options") else extra
            connect_args.setdefault("connect_timeout", 5)
            options["connect_args"] = connect_args
    return options


def _retried(call: Callable[[], T]) -> T:
    for wait in (*RETRY_WAITS, None):
        try:
            return call()
        except (DBAPIError, SQLAlchemyError) as exc:
            if wait is None or not _worth_retrying(exc):
                raise TrackerStoreUnavailable(
                    f"the tracker store failed: {exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}"
                ) from exc
            logger.warning("Tracker store call failed (%s); trying again in %.1f s", exc.__class__.__name__, wait)
            time.sleep(wait)
    raise AssertionError("unreachable")


def _worth_retrying(exc: Exception) -> bool:
    """A lost, refused or timed-out connection may come back; a broken query will not."""
    from sqlalchemy.exc import InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    return isinstance(exc, (OperationalError, InterfaceError, PoolTimeout)) or bool(
        getattr(exc, "connection_invalidated", False)
    )
