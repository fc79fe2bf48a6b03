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
