"""Reading Rasa's conversation store (TRACKER_STORE_URL) without loading Rasa: the
columns of Rasa 3.6's SQLTrackerStore `events` table that retention and the staff
review page use. Rasa writes this table; nothing here creates it."""

import hashlib
import os
from typing import Any, Dict, Optional

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, inspect
from sqlalchemy.engine import Engine, make_url

from bot import PROJECT_ROOT

# Same as bot.rasa.tracker_store (not imported: it loads Rasa); a test keeps them equal.
TRACKER_ENV = "TRACKER_STORE_URL"
TRACKER_DEFAULT_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"

_metadata = MetaData()
EVENTS = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),  # the event as JSON (Event.as_dict(), without the sender id)
)


def tracker_url() -> str:
    return os.environ.get(TRACKER_ENV) or TRACKER_DEFAULT_URL


def display(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def tracker_engine(url: Optional[str] = None) -> Optional[Engine]:
    """An engine for the tracker store, or None when it does not exist yet (never created here)."""
    url = url or tracker_url()
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        if not os.path.exists(parsed.database):
            return None
    connect_args = {}
    schema = os.environ.get("POSTGRESQL_SCHEMA")  # as Rasa's SQLTrackerStore uses it
    if schema and parsed.drivername.startswith("postgresql"):
        connect_args["options"] = f"-csearch_path={schema}"
    # hide_parameters: an error message never shows a conversation id or text.
    engine = create_engine(url, future=True, connect_args=connect_args, hide_parameters=True)
    if not inspect(engine).has_table(EVENTS.name):
        engine.dispose()
        return None
    return engine


def event_key(event: Dict[str, Any]) -> str:
    """One user event's identity: its conversation, time and message id. The audit rows
    carry it (bot/rasa/audit_records.py), so the review page finds the event they record."""
    basis = f"{event.get('sender_id')}|{event.get('timestamp')}|{event.get('message_id')}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:64]
