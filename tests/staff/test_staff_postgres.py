"""The staff page on the scale-out stores: the app database and the tracker store in a real
Postgres (the session's throwaway cluster), the conversation written by Rasa's own
SQLTrackerStore (through the project's ConfiguredSQLTrackerStore) and the audit row made by
the audit broker's own code, as in production."""

import asyncio
import re
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select

from bot.db.engine import session_factory
from bot.db.tables import AccessLogEntry, UnansweredQuestion, utcnow
from bot.rasa.audit_records import record_for
from bot.staff import accounts, review, sessions
from bot.staff.server import Request, StaffApp

PASSWORD = "a long enough secret"
SENDER = "web-7f3a"


def said(text, at, intent="greet"):
    return UserUttered(text, intent={"name": intent, "confidence": 1.0}, timestamp=at, message_id=uuid.uuid4().hex)


@pytest.fixture
def stores(postgres_service, monkeypatch):
    name = f"staff_{uuid.uuid4().hex[:10]}"
    tracker_url = postgres_service.create_database(f"{name}_tracker")
    app_url = postgres_service.create_database(f"{name}_app")
    now = time.time()
    question = said("can she wear it on a trampoline", now - 60, intent="not_covered")
    events = [
        said("an old message from before the retention period", now - 40 * 86400),
        BotUttered("an old reply", timestamp=now - 40 * 86400 + 1),
        said("what happens in the saline week", now - 120),
        BotUttered("During the saline week ...", timestamp=now - 119),
        ActionExecuted("action_listen", timestamp=now - 118),
        question,
        BotUttered("Our program's materials don't cover that. Call 555-0142.", timestamp=now - 59),
        said("ok my cell is 555 010 4477", now - 30),
    ]
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
    from bot.rasa.tracker_store import ConfiguredSQLTrackerStore

    store = ConfiguredSQLTrackerStore(domain=Domain.empty())
    asyncio.run(store.save(DialogueStateTracker.from_events(SENDER, events)))
    store.engine.dispose()
    # The audit row exactly as the broker makes it from Rasa's event (with its sender id).
    row = record_for({**question.as_dict(), "sender_id": SENDER, "input_channel": "socketio"})
    with session_factory(app_url).begin() as db:
        row.theme = "activities"
        db.add(row)
        accounts.add_user(db, "ana", PASSWORD)
    return tracker_url, app_url


def test_the_whole_review_on_postgres(stores):
    tracker_url, app_url = stores
    app = StaffApp(
        app_database_url=app_url,
        tracker_store_url=tracker_url,
        clock=review.Clock.from_env({"RETENTION_DAYS": "30", "STAFF_TIMEZONE": "America/Chicago"}),
        settings=sessions.SessionSettings(lifetime=timedelta(hours=8), idle=timedelta(minutes=30)),
    )
    login = app.handle(Request("GET", "/login", {"host": "h"}))
    token = re.search(r'name="csrf" value="([^"]+)"', login.body.decode()).group(1)
    signed = app.handle(
        Request(
            "POST",
            "/login",
            {"host": "h", "cookie": f"staff_login_csrf={token}"},
            f"csrf={token}&username=ana&password={PASSWORD.replace(' ', '+')}".encode(),
        )
    )
    cookie = next(v for k, v in signed.headers if v.startswith("staff_session=")).split(";")[0]

    def get(path):
        response = app.handle(Request("GET", path, {"host": "h", "cookie": cookie}))
        assert response.status == 200, path
        return response.body.decode("utf-8")

    questions = get("/questions")
    assert "can she wear it on a trampoline" in questions and 'data-theme="activities"' in questions
    [question] = session_factory(app_url)().scalars(select(UnansweredQuestion)).all()
    page = get(f"/questions/{question.id}")
    turns = re.findall(r'<li class="(\w+)( marked)?">.*?<p>(.*?)</p>', page, re.S)
    assert turns == [
        ("family", "", "what happens in the saline week"),
        ("assistant", "", "During the saline week ..."),
        ("family", " marked", "can she wear it on a trampoline"),
        ("assistant", "", "Our program&#39;s materials don&#39;t cover that. Call [phone number]."),
        ("family", "", "ok my cell is [phone number]"),
    ]
    assert "old message" not in page  # older than the retention period
    # Times in the clinic's zone.
    local = datetime.fromtimestamp(time.time(), timezone.utc).astimezone(review.ZoneInfo("America/Chicago"))
    assert local.strftime("%Y-%m-%d") in page and "America/Chicago" in page

    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    changed = app.handle(
        Request(
            "POST",
            f"/questions/{question.id}/status",
            {"host": "h", "cookie": cookie},
            f"csrf={csrf}&status=out_of_scope".encode(),
        )
    )
    assert changed.status == 303
    exported = get("/export/questions.csv?status=out_of_scope")
    assert "can she wear it on a trampoline" in exported and "Out of scope" in exported
    with session_factory(app_url)() as db:
        actions = [e.action for e in db.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id))]
        assert db.get(UnansweredQuestion, question.id).status_changed_at <= utcnow()
    assert actions == ["sign_in", "view", "view", "status", "export"]
