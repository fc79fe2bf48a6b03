"""The SQL tracker store, configured by one environment variable.

TRACKER_STORE_URL is any SQLAlchemy URL (postgresql://user:pass@host/db for
scale-out); unset, conversations go to a SQLite file in var/. Using one URL
keeps endpoints.yml free of ${VAR} placeholders, which Rasa refuses to start
with when the variable is unset (so plain `rasa shell` keeps working).
"""
import os
from typing import Any, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.exceptions import RasaException
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import PROJECT_ROOT

DEFAULT_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"


def tracker_store_url() -> str:
    return os.environ.get("TRACKER_STORE_URL") or DEFAULT_URL


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
