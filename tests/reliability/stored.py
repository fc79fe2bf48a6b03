"""Reading what the stores really hold (SQLAlchemy 1.4, 2.0 style), not what a server says."""

import json
from collections import Counter
from typing import Dict, List

from sqlalchemy import column, create_engine, func, select, table
from sqlalchemy.engine import Engine

# Rasa's SQLTrackerStore table (rasa/core/tracker_store.py, SQLEvent).
EVENTS = table("events", column("id"), column("sender_id"), column("type_name"), column("data"))
ESCALATIONS = table("escalations", column("conversation_id"))
UNANSWERED = table("unanswered_questions", column("conversation_id"))


def engine(url: str) -> Engine:
    return create_engine(url, future=True)


def tracker_events(db: Engine, sender_ids: List[str]) -> Dict[str, List[dict]]:
    """Every stored event of these conversations, in insertion order."""
    events: Dict[str, List[dict]] = {sender: [] for sender in sender_ids}
    query = select(EVENTS.c.sender_id, EVENTS.c.data).where(EVENTS.c.sender_id.in_(sender_ids)).order_by(EVENTS.c.id)
    with db.connect() as conn:
        for sender, data in conn.execute(query):
            events[sender].append(json.loads(data))
    return events


def audit_counts(db: Engine, table_) -> Counter:
    """Rows per conversation in an app database table."""
    query = select(table_.c.conversation_id, func.count()).group_by(table_.c.conversation_id)
    with db.connect() as conn:
        return Counter({conversation: n for conversation, n in conn.execute(query)})


def turns(events: List[dict]) -> List[dict]:
    """The conversation split at user messages: [{'user': event, 'bot': [texts], 'actions': [names]}]."""
    result: List[dict] = []
    for event in events:
        if event["event"] == "user":
            result.append({"user": event, "bot": [], "actions": []})
        elif result and event["event"] == "bot":
            result[-1]["bot"].append(event.get("text"))
        elif result and event["event"] == "action":
            result[-1]["actions"].append(event.get("name"))
    return result


def duplicated(events: List[dict]) -> List[dict]:
    """Events stored twice (every event carries its own timestamp, so equal JSON means a duplicate)."""
    seen = Counter(json.dumps(e, sort_keys=True) for e in events)
    return [json.loads(e) for e, n in seen.items() if n > 1]
