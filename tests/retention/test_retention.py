"""`python -m bot retention` on real databases: SQLite files and Postgres.

The tracker store is written by Rasa's own SQLTrackerStore (through our
ConfiguredSQLTrackerStore) from trackers with chosen timestamps; the app
database through its models. Days are relative to the real clock, so the same
data serves the in-process and the command-line tests (30 days, margins of days).
"""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timezone

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot import PROJECT_ROOT
from bot.db.engine import session_factory
from bot.db.tables import (
    AccessLogEntry,
    Escalation,
    SmsInboxMessage,
    SmsNumber,
    SmsOutboxMessage,
    StaffSession,
    UnansweredQuestion,
)
from bot.db.tracker_events import TRACKER_DEFAULT_URL
from bot.ops.retention import DEFAULT_DAYS, RetentionError, apply_retention, configured_days

DAY = 86400
DAYS = 30
EVENTS_PER_SESSION = 6
ACTIVE_SMS = "a" * 32  # number hashes; the tracker knows them as sms-<hash>
IDLE_SMS = "b" * 32
OPTED_OUT_OLD = "c" * 32
OPTED_OUT_NEW = "d" * 32
RECENT_SMS = "e" * 32


def session(start: float, text: str, extra_user_at=()):
    """One conversation session as Rasa stores it: 6 events (plus a user turn per extra_user_at)."""
    events = [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start + 0.001),
        ActionExecuted("action_listen", timestamp=start + 0.002),
        UserUttered(text, intent={"name": "greet", "confidence": 1.0}, timestamp=start + 1),
        BotUttered("hello", timestamp=start + 2),
        ActionExecuted("action_listen", timestamp=start + 3),
    ]
    for at in extra_user_at:
        events.append(UserUttered(text, intent={"name": "greet", "confidence": 1.0}, timestamp=at))
    return events


def days_ago(now: float, days: float) -> float:
    return now - days * DAY


# sender -> sessions, as (start in days ago, [later user turns in days ago])
CONVERSATIONS = {
    "old-web": [(40, [])],  # idle: deleted whole (6)
    "old-two-sessions": [(100, []), (50, [])],  # idle: deleted whole (12)
    "recent": [(1, [])],  # kept
    f"sms-{ACTIVE_SMS}": [(60, []), (45, []), (2, [])],  # earlier 2 sessions go (12), the last stays
    "straddling": [(90, []), (31, [29])],  # session 1 goes (6); session 2 kept whole (7)
    "one-long-session": [(40, [10])],  # ongoing, one session: nothing goes
    f"sms-{IDLE_SMS}": [(35, [])],  # idle: deleted whole (6)
}
EXPECTED_KEPT_EVENTS = {
    "recent": 6,
    f"sms-{ACTIVE_SMS}": 6,
    "straddling": 7,
    "one-long-session": 7,
}


def tracker_store(url, monkeypatch):
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    from bot.rasa.tracker_store import ConfiguredSQLTrackerStore

    return ConfiguredSQLTrackerStore(domain=Domain.empty())


@pytest.fixture(params=["sqlite", "postgres"])
def databases(request, tmp_path, monkeypatch):
    """A tracker store and an app database with old and new rows; returns (now, tracker url, app url)."""
    now = time.time()
    if request.param == "sqlite":
        tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
        app_url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        postgres = request.getfixturevalue("postgres_service")
        name = f"retention_{uuid.uuid4().hex[:12]}"
        tracker_url = postgres.create_database(f"{name}_tracker")
        app_url = postgres.create_database(f"{name}_app")
    store = tracker_store(tracker_url, monkeypatch)
    for sender, sessions in CONVERSATIONS.items():
        events = []
        for start, later in sessions:
            events += session(days_ago(now, start), f"hi from {sender}", [days_ago(now, d) for d in later])
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()

    def at(days):
        return datetime.fromtimestamp(days_ago(now, days), timezone.utc).replace(tzinfo=None)

    with session_factory(app_url).begin() as db:
        for days in (400, 31, 29, 1):
            db.add(Escalation(created_at=at(days), channel="rest", conversation_id="x", level="clinic", reason="r"))
        for days in (45, 5):
            db.add(
                UnansweredQuestion(
                    created_at=at(days), channel="sms", conversation_id="y", intent="nlu_fallback", text="?"
                )
            )
        # Finished queue rows from before the cutoff go; a row still waiting never does.
        for days, state in ((90, "done"), (31, "failed"), (60, "pending"), (6, "done"), (0.01, "pending")):
            db.add(
                SmsInboxMessage(
                    message_sid=f"SM{days}", number_hash="h", received_at=at(days), state=state, next_try_at=at(days)
                )
            )
        for days, state in ((45, "sent"), (40, "pending"), (3, "sent")):
            db.add(
                SmsOutboxMessage(
                    number_hash="h", body="b", created_at=at(days), expires_at=at(0), state=state, next_try_at=at(days)
                )
            )
        db.add(SmsNumber(number_hash=OPTED_OUT_OLD, opted_out=True, changed_at=at(900)))
        db.add(SmsNumber(number_hash=OPTED_OUT_NEW, opted_out=True, changed_at=at(3)))
        db.add(SmsNumber(number_hash=IDLE_SMS, opted_out=False, changed_at=at(35), options='["/ask_x"]'))
        db.add(SmsNumber(number_hash=ACTIVE_SMS, opted_out=False, changed_at=at(60), options='["/ask_y"]'))
        db.add(SmsNumber(number_hash=RECENT_SMS, opted_out=False, changed_at=at(2)))
        # The review page's trace goes with the same cutoff; a session goes once it expired.
        for days in (200, 31, 2):
            db.add(AccessLogEntry(created_at=at(days), username="ana", action="view", target="/"))
        for token, expires in (("old", at(0.5)), ("live", at(-0.2))):
            db.add(StaffSession(token_hash=token, username="ana", csrf_token="c", created_at=at(1), expires_at=expires))
    return now, tracker_url, app_url


def query(url, sql):
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).all()
    finally:
        engine.dispose()


def events_per_sender(tracker_url):
    return Counter(dict(query(tracker_url, "SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")))


def app_rows(app_url):
    counts = {
        t: query(app_url, f"SELECT COUNT(*) FROM {t}")[0][0]
        for t in (
            "escalations",
            "unanswered_questions",
            "sms_inbox",
            "sms_outbox",
            "sms_numbers",
            "staff_access_log",
            "staff_sessions",
        )
    }
    counts["sms_queue"] = counts.pop("sms_inbox") + counts.pop("sms_outbox")
    counts["numbers"] = {h: bool(o) for h, o in query(app_url, "SELECT number_hash, opted_out FROM sms_numbers")}
    return counts


def run(databases, dry_run=False, days=DAYS):
    now, tracker_url, app_url = databases
    return apply_retention(
        days,
        dry_run=dry_run,
        tracker_store_url=tracker_url,
        app_database_url=app_url,
        now=datetime.fromtimestamp(now, timezone.utc),
    )


def test_the_fixture_holds_what_the_tests_assume(databases):
    _, tracker_url, app_url = databases
    per_sender = events_per_sender(tracker_url)
    assert sum(per_sender.values()) == 11 * EVENTS_PER_SESSION + 2
    assert per_sender["straddling"] == 13 and per_sender["one-long-session"] == 7
    rows = app_rows(app_url)
    assert (rows["escalations"], rows["unanswered_questions"], rows["sms_queue"], rows["sms_numbers"]) == (4, 2, 8, 5)


def test_deletes_exactly_what_is_older_than_the_cutoff(databases):
    _, tracker_url, app_url = databases
    result = run(databases)
    assert (result.conversations_deleted, result.conversation_events_deleted) == (3, 6 + 12 + 6)
    assert (result.conversations_trimmed, result.session_events_deleted) == (2, 12 + 6)
    assert (result.escalations, result.unanswered_questions, result.sms_queue_rows, result.sms_numbers) == (2, 1, 3, 1)
    assert result.opted_out_kept == 2
    assert (result.access_log_entries, result.staff_sessions) == (2, 1)

    assert events_per_sender(tracker_url) == Counter(EXPECTED_KEPT_EVENTS)
    rows = app_rows(app_url)
    assert (rows["escalations"], rows["unanswered_questions"], rows["sms_queue"]) == (2, 1, 5)
    assert (rows["staff_access_log"], rows["staff_sessions"]) == (1, 1)
    assert query(app_url, "SELECT token_hash FROM staff_sessions") == [("live",)]
    # Both opt-outs stay, even the one from 900 days ago; the idle number's menu goes,
    # the number still in conversation keeps its menu.
    assert rows["numbers"] == {OPTED_OUT_OLD: True, OPTED_OUT_NEW: True, ACTIVE_SMS: False, RECENT_SMS: False}

    # A second run finds nothing more.
    again = run(databases)
    assert (
        again.conversation_events_deleted,
        again.session_events_deleted,
        again.escalations,
        again.unanswered_questions,
        again.sms_queue_rows,
        again.sms_numbers,
    ) == (0, 0, 0, 0, 0, 0)


def test_dry_run_counts_the_same_and_deletes_nothing(databases):
    _, tracker_url, app_url = databases
    events_before, rows_before = events_per_sender(tracker_url), app_rows(app_url)
    dry = run(databases, dry_run=True)
    assert events_per_sender(tracker_url) == events_before and app_rows(app_url) == rows_before
    assert "dry run: nothing deleted" in dry.report() and "would delete 3 conversations" in dry.report()
    real = run(databases)
    for field in (
        "conversations_deleted",
        "conversation_events_deleted",
        "conversations_trimmed",
        "session_events_deleted",
        "escalations",
        "unanswered_questions",
        "sms_queue_rows",
        "sms_numbers",
        "opted_out_kept",
        "access_log_entries",
        "staff_sessions",
    ):
        assert getattr(dry, field) == getattr(real, field), field


def test_opt_outs_survive_the_shortest_retention(databases):
    _, _, app_url = databases
    result = run(databases, days=1)
    assert result.opted_out_kept == 2
    numbers = app_rows(app_url)["numbers"]
    assert numbers[OPTED_OUT_OLD] is True and numbers[OPTED_OUT_NEW] is True
    assert IDLE_SMS not in numbers and ACTIVE_SMS not in numbers  # no SMS conversation in the last day


def test_a_trimmed_conversation_is_still_a_consistent_tracker(databases, monkeypatch):
    """Rasa appends by counting the latest session's stored events: nothing may be written twice."""
    now, tracker_url, _ = databases
    sender = f"sms-{ACTIVE_SMS}"
    run(databases)
    store = tracker_store(tracker_url, monkeypatch)
    full = asyncio.run(store.retrieve_full_tracker(sender))
    assert [e.as_dict()["event"] for e in full.events][:2] == ["action", "session_started"]
    assert len(full.events) == EVENTS_PER_SESSION
    tracker = asyncio.run(store.retrieve(sender))
    tracker.update(UserUttered("again", intent={"name": "greet", "confidence": 1.0}, timestamp=now))
    asyncio.run(store.save(tracker))
    store.engine.dispose()
    assert events_per_sender(tracker_url)[sender] == EVENTS_PER_SESSION + 1


def test_less_than_one_day_is_refused(databases):
    _, tracker_url, app_url = databases
    events_before, rows_before = events_per_sender(tracker_url), app_rows(app_url)
    for days in (0, -5):
        with pytest.raises(RetentionError):
            run(databases, days=days)
    assert events_per_sender(tracker_url) == events_before and app_rows(app_url) == rows_before


def test_days_come_from_retention_days_else_365():
    assert configured_days({}) == DEFAULT_DAYS == 365
    assert configured_days({"RETENTION_DAYS": " 90 "}) == 90
    with pytest.raises(RetentionError):
        configured_days({"RETENTION_DAYS": "a year"})


def test_same_default_tracker_store_as_rasa_uses():
    from bot.rasa import tracker_store as tracker

    assert TRACKER_DEFAULT_URL == tracker.DEFAULT_URL


def test_a_missing_tracker_store_is_reported_not_created(tmp_path):
    missing = tmp_path / "nowhere" / "tracker.db"
    result = apply_retention(
        DAYS, tracker_store_url=f"sqlite:///{missing}", app_database_url=f"sqlite:///{tmp_path / 'app.db'}"
    )
    assert not result.tracker_found and not missing.exists()
    assert "no conversation store there yet" in result.report()


def cli(tracker_url, app_url, *args, days_env=None):
    env = {**os.environ, "TRACKER_STORE_URL": tracker_url, "APP_DATABASE_URL": app_url}
    env.pop("RETENTION_DAYS", None)
    if days_env is not None:
        env["RETENTION_DAYS"] = days_env
    return subprocess.run(
        [sys.executable, "-m", "bot", "retention", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.timeout(300)
def test_the_command(databases):
    _, tracker_url, app_url = databases
    events_before, rows_before = events_per_sender(tracker_url), app_rows(app_url)

    refused = cli(tracker_url, app_url, "--days", "0")
    assert refused.returncode == 2 and "at least 1 day" in refused.stderr
    refused = cli(tracker_url, app_url, days_env="0")
    assert refused.returncode == 2 and "at least 1 day" in refused.stderr

    dry = cli(tracker_url, app_url, "--dry-run", days_env=str(DAYS))
    assert dry.returncode == 0, dry.stderr
    assert "Retention 30 days" in dry.stdout and "dry run: nothing deleted" in dry.stdout
    assert "would delete 3 conversations with no activity since then (24 events)" in dry.stdout
    assert "would delete 18 events of earlier sessions in 2 ongoing conversations" in dry.stdout
    assert events_per_sender(tracker_url) == events_before and app_rows(app_url) == rows_before

    done = cli(tracker_url, app_url, "--days", str(DAYS))
    assert done.returncode == 0, done.stderr
    for line in (
        "deleted 3 conversations with no activity since then (24 events)",
        "deleted 18 events of earlier sessions in 2 ongoing conversations",
        "deleted 2 escalations",
        "deleted 1 unanswered questions",
        "deleted 3 finished SMS inbox and outbox rows",
        "deleted 1 SMS numbers that had not opted out",
        "kept 2 opted-out SMS numbers",
    ):
        assert line in done.stdout, done.stdout
    assert events_per_sender(tracker_url) == Counter(EXPECTED_KEPT_EVENTS)
