"""ConfiguredSQLTrackerStore stores each event once and publishes exactly the new ones."""

import asyncio

from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.tracker_store import ConfiguredSQLTrackerStore


class RecordingBroker(EventBroker):
    def __init__(self):
        self.published = []

    def publish(self, event):
        self.published.append(event)


def test_save_stores_and_publishes_only_new_events(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    broker = RecordingBroker()
    store = ConfiguredSQLTrackerStore(domain=Domain.empty(), event_broker=broker)

    async def scenario():
        tracker = DialogueStateTracker("family-1", slots=[])
        tracker.update(UserUttered("what is the saline week", {"name": "ask_saline_week", "confidence": 1}))
        tracker.update(ActionExecuted("action_answer_topic"))
        tracker.update(BotUttered("answer"))
        await store.save(tracker)
        first = len(broker.published)
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered("thanks", {"name": "thanks", "confidence": 1}))
        await store.save(tracker)
        await store.save(tracker)  # nothing new: nothing stored or published twice
        return first, await store.retrieve_full_tracker("family-1")

    first, stored = asyncio.run(scenario())
    assert first == 3
    assert [e["event"] for e in broker.published] == ["user", "action", "bot", "action", "user"]
    assert all(e["sender_id"] == "family-1" for e in broker.published)
    assert [e.as_dict()["event"] for e in stored.events] == ["user", "action", "bot", "action", "user"]


STRESS = """
import asyncio, sys
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from bot.rasa.tracker_store import DB_THREADS, ConfiguredSQLTrackerStore

store = ConfiguredSQLTrackerStore(domain=Domain.empty())
CONVERSATIONS, TURNS = DB_THREADS * 3, 15

async def conversation(i):
    tracker = DialogueStateTracker(f"family-{i}", slots=[])
    for turn in range(TURNS):
        stored = await store.retrieve(tracker.sender_id)
        tracker.update(UserUttered(f"message {turn}", {"name": "greet", "confidence": 1}))
        tracker.update(ActionExecuted("utter_greet"))
        tracker.update(BotUttered("hi"))
        await store.save(tracker)
    return len((await store.retrieve_full_tracker(tracker.sender_id)).events)

async def main():
    counts = await asyncio.gather(*(conversation(i) for i in range(CONVERSATIONS)))
    assert counts == [TURNS * 3] * CONVERSATIONS, counts
    print("ok", CONVERSATIONS)

asyncio.run(main())
"""


def test_sqlite_store_survives_more_conversations_at_once_than_database_threads(tmp_path):
    """Every database thread busy at once, several times over, in a process of its own: a
    pool that closed another thread's SQLite connection crashed the server (segfault)."""
    import os
    import subprocess
    import sys

    from bot import PROJECT_ROOT

    proc = subprocess.run(
        [sys.executable, "-c", STRESS],
        cwd=PROJECT_ROOT,
        env={**os.environ, "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    assert proc.stdout.startswith("ok")
