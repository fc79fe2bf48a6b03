"""The turns around one recorded message, read from the tracker store (TRACKER_STORE_URL,
Rasa's `events` table) without loading Rasa. The audit row's event_key finds the family's
message; a row from before event keys falls back to the nearest message with its text.
Only what the family and the assistant said is shown, phone numbers masked; nothing from
before the retention cutoff."""

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.core.text.phones import redact_phone_numbers
from bot.db.tracker_events import EVENTS, event_key

TURNS_AROUND = 4  # messages shown before and after (each side)
MAX_EVENTS = 20000  # of one conversation: a bound on what one page reads


class ConversationUnavailable(RuntimeError):
    """The tracker store could not be read."""


@dataclass
class Turn:
    who: str  # "family" or "assistant"
    text: str
    at: datetime  # naive UTC
    marked: bool = False  # the recorded message itself


def around(
    engine: Optional[Engine],
    conversation_id: str,
    key: Optional[str],
    text: Optional[str],
    created_at: datetime,
    not_before: datetime,
    turns: int = TURNS_AROUND,
) -> Optional[List[Turn]]:
    """The turns before and after the recorded message; None when the conversation or the
    message is no longer in the tracker store (deleted by retention, or never stored)."""
    if engine is None:
        return None
    e = EVENTS.c
    cutoff = not_before.replace(tzinfo=timezone.utc).timestamp()
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(e.type_name, e.timestamp, e.data)
                .where(e.sender_id == conversation_id, e.type_name.in_(("user", "bot")), e.timestamp >= cutoff)
                .order_by(e.id)
                .limit(MAX_EVENTS)
            ).all()
    except SQLAlchemyError as exc:
        raise ConversationUnavailable(f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}") from exc
    events: List[Dict[str, Any]] = []
    for type_name, timestamp, data in rows:
        try:
            event = json.loads(data or "{}")
        except ValueError:
            continue
        if event.get("text"):
            events.append({**event, "event": type_name, "timestamp": event.get("timestamp", timestamp)})
    index = _find(events, conversation_id, key, text, created_at)
    if index is None:
        return None
    window = events[max(0, index - turns) : index + turns + 1]
    return [
        Turn(
            who="family" if ev["event"] == "user" else "assistant",
            text=redact_phone_numbers(str(ev["text"])),
            at=datetime.fromtimestamp(float(ev["timestamp"] or 0), timezone.utc).replace(tzinfo=None),
            marked=ev is events[index],
        )
        for ev in window
    ]


def _find(
    events: List[Dict[str, Any]], sender: str, key: Optional[str], text: Optional[str], created_at: datetime
) -> Optional[int]:
    users = [i for i, ev in enumerate(events) if ev["event"] == "user"]
    if key:
        for i in users:
            if event_key({**events[i], "sender_id": sender}) == key:
                return i
    # The audit row is written within seconds of the message; its text is kept cut to 500.
    at = created_at.replace(tzinfo=timezone.utc).timestamp()
    same_text = [i for i in users if text and str(events[i]["text"])[: len(text)] == text]
    near = [i for i in same_text if abs(float(events[i]["timestamp"] or 0) - at) < 120]
    return min(near, key=lambda i: abs(float(events[i]["timestamp"] or 0) - at)) if near else None
