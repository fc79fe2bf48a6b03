"""The audit broker's outbox: a failed write is retried until it lands, never dropped, never doubled."""

import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.db.tables import Escalation
from bot.rasa import audit_broker
from bot.rasa.audit_broker import AuditEventBroker


def escalation_event(sender="outbox", timestamp=1.0):
    return {
        "event": "user",
        "sender_id": sender,
        "timestamp": timestamp,
        "message_id": f"m-{timestamp}",
        "text": "he is 45",
        "input_channel": "rest",
        "parse_data": {
            "intent": {"name": "escalate_clinic"},
            "entities": [{"entity": "escalation_reason", "value": "readings below 70"}],
        },
    }


def rows(broker, sender="outbox"):
    with broker.sessions() as db:
        return db.scalar(select(func.count()).select_from(Escalation).where(Escalation.conversation_id == sender))


def wait_for(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def broker(tmp_path, monkeypatch):
    monkeypatch.setattr(audit_broker, "RETRY_WAITS", (0.05, 0.1))
    return AuditEventBroker(f"sqlite:///{tmp_path / 'app.db'}")


def test_a_write_that_fails_at_first_lands_later(broker, monkeypatch):
    real = broker.sessions.begin
    failures = {"left": 3}

    def flaky_begin():
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("INSERT ...", {}, Exception("the database is restarting"))
        return real()

    monkeypatch.setattr(broker.sessions, "begin", flaky_begin)
    started = time.monotonic()
    broker.publish(escalation_event())
    assert time.monotonic() - started < 0.05, "publish only queues: the event loop never waits for the database"
    wait_for(lambda: broker.written == 1)
    assert failures["left"] == 0 and rows(broker) == 1


def test_a_row_already_stored_by_a_lost_answer_is_not_stored_twice(broker):
    broker.publish(escalation_event(timestamp=2.0))
    wait_for(lambda: broker.written == 1)
    broker.publish(escalation_event(timestamp=2.0))  # the same user event again
    wait_for(lambda: broker.written == 2)
    assert rows(broker) == 1


def test_rows_keep_their_order_and_nothing_is_lost_while_the_database_is_away(broker, monkeypatch):
    real = broker.sessions.begin
    away = {"on": True}

    def begin():
        if away["on"]:
            raise OperationalError("INSERT ...", {}, Exception("connection refused"))
        return real()

    monkeypatch.setattr(broker.sessions, "begin", begin)
    for i in range(5):
        broker.publish(escalation_event(timestamp=10.0 + i))
    time.sleep(0.3)
    assert broker.written == 0 and broker.outbox.unfinished_tasks == 5
    away["on"] = False
    wait_for(lambda: broker.written == 5)
    with broker.sessions() as db:
        keys = db.scalars(select(Escalation.event_key).order_by(Escalation.id)).all()
    assert len(set(keys)) == 5
