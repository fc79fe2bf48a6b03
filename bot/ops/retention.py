"""`python -m bot retention`: delete conversations and audit rows older than N days.

N is `--days`, else the environment variable RETENTION_DAYS, else 365; fewer
than 1 day is refused. `--dry-run` counts what would go and deletes nothing.
Nothing newer than the cutoff is ever deleted.

Conversations (Rasa's `events` table in TRACKER_STORE_URL)
  * A conversation whose newest event is older than the cutoff is deleted
    entirely.
  * A conversation that is still going (an event since the cutoff) loses
    only its sessions that ended before the cutoff: the events before the
    start (`action_session_start`) of the session holding its first event
    since the cutoff. That session and the later ones stay whole, even their
    events from before the cutoff. Deleting single old events instead would
    corrupt the tracker: Rasa saves a tracker by counting the stored events
    of its latest session and appending the rest, so removing events from
    that session makes it write them again. Earlier sessions are outside that
    count (sessions expire after 60 minutes, see domain/conversation.yml), so
    removing them leaves the tracker consistent, and a family that keeps
    texting from the same number does not keep years of history.

App database (APP_DATABASE_URL)
  * escalations and unanswered_questions: rows created before the cutoff.
  * sms_inbox and sms_outbox: finished rows from before the cutoff (the
    channel itself forgets handled inbound rows after a week); a row still
    waiting is never deleted.
  * staff_access_log (the review page's trace of who saw what): rows from before
    the cutoff; staff_sessions: every expired one.
  * unanswered_questions' review statuses go with their rows.
  * sms_numbers: never a number that opted out (it must stay opted out). A
    number that did not opt out only holds the menu last offered to it; its
    row goes when it changed before the cutoff and its conversation has no
    event since the cutoff.

Run it when traffic is low (e.g. nightly from cron): a conversation that is
idle for longer than the retention period and gets a message during the run
may keep its previous session's events.
"""

import os
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, List, Mapping, Optional, Sequence, Set

from sqlalchemy import (
    Table,
    and_,
    delete,
    func,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from bot.db.engine import AppDatabaseError, connect, database_url
from bot.db.tables import (
    SMS_SENDER_PREFIX,
    AccessLogEntry,
    Base,
    Escalation,
    SmsInboxMessage,
    SmsNumber,
    SmsOutboxMessage,
    StaffSession,
    UnansweredQuestion,
    utcnow,
)
from bot.db.tracker_events import EVENTS, TRACKER_ENV, display, tracker_engine, tracker_url

DAYS_ENV = "RETENTION_DAYS"
DEFAULT_DAYS = 365
SESSION_START_ACTION = "action_session_start"
CHUNK = 500  # ids per IN (...) list


class RetentionError(ValueError):
    """A bad retention period or setting."""


def configured_days(environ: Optional[Mapping[str, str]] = None) -> int:
    env = os.environ if environ is None else environ
    value = (env.get(DAYS_ENV) or "").strip()
    if not value:
        return DEFAULT_DAYS
    try:
        return int(value)
    except ValueError:
        raise RetentionError(f"{DAYS_ENV}={value!r} is not a whole number of days") from None


@dataclass
class RetentionResult:
    days: int
    cutoff: datetime  # naive UTC, like the app database's columns
    dry_run: bool
    tracker_store: str
    app_database: str
    tracker_found: bool = False
    conversations_deleted: int = 0
    conversation_events_deleted: int = 0
    conversations_trimmed: int = 0
    session_events_deleted: int = 0
    escalations: int = 0
    unanswered_questions: int = 0
    sms_queue_rows: int = 0
    sms_numbers: int = 0
    opted_out_kept: int = 0
    access_log_entries: int = 0
    staff_sessions: int = 0

    def report(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        lines = [
            f"Retention {self.days} days: records from before {self.cutoff:%Y-%m-%d %H:%M} UTC"
            + (" (dry run: nothing deleted)" if self.dry_run else ""),
            f"Conversations ({self.tracker_store}):",
        ]
        if self.tracker_found:
            lines += [
                f"  {verb} {self.conversations_deleted} conversations with no activity since then "
                f"({self.conversation_events_deleted} events)",
                f"  {verb} {self.session_events_deleted} events of earlier sessions "
                f"in {self.conversations_trimmed} ongoing conversations",
            ]
        else:
            lines.append("  no conversation store there yet: nothing to delete")
        lines += [
            f"App database ({self.app_database}):",
            f"  {verb} {self.escalations} escalations",
            f"  {verb} {self.unanswered_questions} unanswered questions",
            f"  {verb} {self.sms_queue_rows} finished SMS inbox and outbox rows",
            f"  {verb} {self.sms_numbers} SMS numbers that had not opted out",
            f"  kept {self.opted_out_kept} opted-out SMS numbers (never deleted)",
            f"  {verb} {self.access_log_entries} staff access log entries",
            f"  {verb} {self.staff_sessions} expired staff sessions",
        ]
        return "\n".join(lines)


def apply_retention(
    days: int,
    dry_run: bool = False,
    tracker_store_url: Optional[str] = None,
    app_database_url: Optional[str] = None,
    now: Optional[datetime] = None,
) -> RetentionResult:
    """Delete (or with dry_run count) everything older than `days` days."""
    if days < 1:
        raise RetentionError(f"retention must be at least 1 day, not {days}")
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    cutoff = now - timedelta(days=days)
    tracker_store_url = tracker_store_url or tracker_url()
    app_database_url = app_database_url or database_url()
    result = RetentionResult(
        days=days,
        cutoff=cutoff.astimezone(timezone.utc).replace(tzinfo=None),
        dry_run=dry_run,
        tracker_store=display(tracker_store_url),
        app_database=display(app_database_url),
    )
    active_sms_hashes = _tracker_retention(tracker_store_url, cutoff.timestamp(), dry_run, result)
    _app_retention(app_database_url, result.cutoff, active_sms_hashes, dry_run, result)
    return result


# ---- conversations --------------------------------------------------------------


def _tracker_retention(url: str, cutoff_ts: float, dry_run: bool, result: RetentionResult) -> Set[str]:
    """Returns the hashes of SMS numbers with a conversation event since the cutoff."""
    try:
        engine = tracker_engine(url)
    except SQLAlchemyError as exc:
        raise RetentionError(
            f"cannot use the tracker store at {display(url)} ({TRACKER_ENV}): "
            f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from exc
    if engine is None:
        return set()
    result.tracker_found = True
    e = EVENTS.c
    try:
        with engine.begin() as conn:
            spans = conn.execute(
                select(e.sender_id, func.min(e.timestamp), func.max(e.timestamp)).group_by(e.sender_id)
            ).all()
            stale = [sender for sender, _, last in spans if last is not None and last < cutoff_ts]
            ongoing = {sender for sender, _, last in spans if last is not None and last >= cutoff_ts}

            # Whole conversations; `timestamp < cutoff` guards against a message arriving meanwhile.
            for chunk in _chunks(stale):
                where = and_(e.sender_id.in_(chunk), e.timestamp < cutoff_ts)
                result.conversation_events_deleted += _count_or_delete(conn, where, dry_run)
            result.conversations_deleted = len(stale)

            # Earlier sessions of ongoing conversations: everything before the
            # start of the session that holds the first event since the cutoff.
            for sender in sorted(s for s, first, last in spans if s in ongoing and first < cutoff_ts):
                first_recent = select(func.min(e.id)).where(e.sender_id == sender, e.timestamp >= cutoff_ts)
                boundary = conn.execute(
                    select(func.max(e.id)).where(
                        e.sender_id == sender,
                        e.type_name == "action",
                        e.action_name == SESSION_START_ACTION,
                        e.id <= first_recent.scalar_subquery(),
                    )
                ).scalar_one()
                if boundary is None:
                    continue
                where = and_(e.sender_id == sender, e.id < boundary, e.timestamp < cutoff_ts)
                deleted = _count_or_delete(conn, where, dry_run)
                if deleted:
                    result.conversations_trimmed += 1
                    result.session_events_deleted += deleted
    finally:
        engine.dispose()
    return {sender[len(SMS_SENDER_PREFIX) :] for sender in ongoing if sender.startswith(SMS_SENDER_PREFIX)}


def _count_or_delete(conn: Connection, where, dry_run: bool) -> int:
    if dry_run:
        return conn.execute(select(func.count()).select_from(EVENTS).where(where)).scalar_one()
    return conn.execute(delete(EVENTS).where(where)).rowcount


# ---- app database -----------------------------------------------------------------


def _app_retention(
    url: str, cutoff: datetime, active_sms_hashes: Set[str], dry_run: bool, result: RetentionResult
) -> None:
    engine = connect(url)  # raises AppDatabaseError when unreachable
    # connect() is cached and may have created the tables before the SMS models
    # were imported (as SmsStore does).
    Base.metadata.create_all(
        engine, tables=[SmsNumber.__table__, SmsInboxMessage.__table__, SmsOutboxMessage.__table__]
    )
    with engine.begin() as conn:
        result.escalations = _count_or_delete_rows(conn, Escalation.__table__, Escalation.created_at < cutoff, dry_run)
        result.unanswered_questions = _count_or_delete_rows(
            conn, UnansweredQuestion.__table__, UnansweredQuestion.created_at < cutoff, dry_run
        )
        result.sms_queue_rows = _count_or_delete_rows(
            conn,
            SmsInboxMessage.__table__,
            and_(SmsInboxMessage.received_at < cutoff, SmsInboxMessage.state != "pending"),
            dry_run,
        ) + _count_or_delete_rows(
            conn,
            SmsOutboxMessage.__table__,
            and_(SmsOutboxMessage.created_at < cutoff, SmsOutboxMessage.state != "pending"),
            dry_run,
        )
        candidates = conn.scalars(
            select(SmsNumber.number_hash).where(SmsNumber.opted_out.is_(False), SmsNumber.changed_at < cutoff)
        ).all()
        idle = [h for h in candidates if h not in active_sms_hashes]
        for chunk in _chunks(idle):
            # The opted_out condition again, in case a STOP arrived meanwhile.
            where = and_(
                SmsNumber.number_hash.in_(chunk), SmsNumber.opted_out.is_(False), SmsNumber.changed_at < cutoff
            )
            result.sms_numbers += _count_or_delete_rows(conn, SmsNumber.__table__, where, dry_run)
        result.access_log_entries = _count_or_delete_rows(
            conn, AccessLogEntry.__table__, AccessLogEntry.created_at < cutoff, dry_run
        )
        result.staff_sessions = _count_or_delete_rows(
            conn, StaffSession.__table__, StaffSession.expires_at < utcnow(), dry_run
        )
        result.opted_out_kept = conn.execute(
            select(func.count()).select_from(SmsNumber).where(SmsNumber.opted_out.is_(True))
        ).scalar_one()


def _count_or_delete_rows(conn: Connection, table: Table, where, dry_run: bool) -> int:
    if dry_run:
        return conn.execute(select(func.count()).select_from(table).where(where)).scalar_one()
    return conn.execute(delete(table).where(where)).rowcount


# ---- helpers ------------------------------------------------------------------------


def _chunks(items: Sequence[str], size: int = CHUNK) -> Iterable[List[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def main(days: Optional[int] = None, dry_run: bool = False) -> int:
    """The command: prints what was (or would be) deleted; 2 for a bad setting or database."""
    try:
        days = configured_days() if days is None else days
        result = apply_retention(days, dry_run=dry_run)
    except (RetentionError, AppDatabaseError) as exc:
        print(f"retention: {exc}", file=sys.stderr)
        return 2
    print(result.report())
    return 0
