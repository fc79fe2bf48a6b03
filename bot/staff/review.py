"""What the review pages show, read from the app database: never older than the retention
period (RETENTION_DAYS, as `python -m bot retention` deletes), phone numbers masked in
every text, times in the clinic's time zone (STAFF_TIMEZONE, default UTC)."""

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Dict, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.escalation.levels import LEVELS
from bot.core.text.phones import redact_phone_numbers
from bot.db.tables import Escalation, UnansweredQuestion, utcnow
from bot.ops.retention import configured_days
from bot.staff import statuses

PERIODS = (1, 7, 30, 90, 365)  # days a page can show
DEFAULT_PERIOD = 7
MAX_ROWS = 5000  # listed per page; counts and the chart use every row


@dataclass(frozen=True)
class Clock:
    """The clinic's time zone and the retention period, read once at start."""

    zone: ZoneInfo
    retention_days: int

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "Clock":
        env = os.environ if environ is None else environ
        name = (env.get("STAFF_TIMEZONE") or "UTC").strip()
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"STAFF_TIMEZONE={name!r} is not a time zone name (for example America/Chicago)") from None
        days = configured_days(env)
        if days < 1:
            raise ValueError(f"RETENTION_DAYS must be at least 1, not {days}")
        return cls(zone=zone, retention_days=days)

    def local(self, utc_naive: datetime) -> datetime:
        return utc_naive.replace(tzinfo=timezone.utc).astimezone(self.zone)

    def shown(self, utc_naive: Optional[datetime]) -> str:
        return self.local(utc_naive).strftime("%Y-%m-%d %H:%M") if utc_naive else ""

    def periods(self) -> List[int]:
        return [d for d in PERIODS if d < self.retention_days] + [min(self.retention_days, PERIODS[-1])]

    def period(self, requested: Optional[str]) -> int:
        """The days a request asks for, within what retention keeps."""
        try:
            days = int(requested) if requested else DEFAULT_PERIOD
        except ValueError:
            days = DEFAULT_PERIOD
        return max(1, min(days, self.retention_days))

    def since(self, days: int) -> datetime:
        """Naive UTC start of the last `days` local days (today included), never before retention."""
        today = datetime.now(self.zone).date()
        first = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), self.zone)
        start = first.astimezone(timezone.utc).replace(tzinfo=None)
        return max(start, utcnow() - timedelta(days=self.retention_days))

    def day_list(self, days: int) -> List[date]:
        today = datetime.now(self.zone).date()
        return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def masked(text: Optional[str]) -> str:
    return redact_phone_numbers(text or "")


# ---- escalations ------------------------------------------------------------------


@dataclass
class EscalationSummary:
    days: int
    per_day: List[Tuple[date, Dict[str, int]]]
    by_channel: Dict[str, Dict[str, int]]
    by_language: Dict[str, Dict[str, int]]
    totals: Dict[str, int]
    rows: List[Dict[str, str]] = field(default_factory=list)
    more: int = 0  # rows not listed (over MAX_ROWS)

    @property
    def per_day_rows(self) -> List[Tuple[str, Dict[str, int]]]:
        return [(day.isoformat(), counts) for day, counts in self.per_day]


def escalations(db: Session, clock: Clock, days: int) -> EscalationSummary:
    found = list(
        db.scalars(
            select(Escalation)
            .where(Escalation.created_at >= clock.since(days))
            .order_by(Escalation.created_at.desc(), Escalation.id.desc())
        )
    )
    per_day: Dict[date, Counter] = {d: Counter() for d in clock.day_list(days)}
    by_channel: Dict[str, Counter] = {}
    by_language: Dict[str, Counter] = {}
    totals: Counter = Counter()
    for e in found:
        day = clock.local(e.created_at).date()
        if day in per_day:
            per_day[day][e.level] += 1
        by_channel.setdefault(e.channel, Counter())[e.level] += 1
        by_language.setdefault(e.language or "unknown", Counter())[e.level] += 1
        totals[e.level] += 1
    return EscalationSummary(
        days=days,
        per_day=[(d, {lvl: c[lvl] for lvl in LEVELS}) for d, c in per_day.items()],
        by_channel={k: {lvl: v[lvl] for lvl in LEVELS} for k, v in sorted(by_channel.items())},
        by_language={k: {lvl: v[lvl] for lvl in LEVELS} for k, v in sorted(by_language.items())},
        totals={lvl: totals[lvl] for lvl in LEVELS},
        rows=[escalation_row(e, clock) for e in found[:MAX_ROWS]],
        more=max(0, len(found) - MAX_ROWS),
    )


def escalation_row(e: Escalation, clock: Clock) -> Dict[str, str]:
    return {
        "id": str(e.id),
        "time": clock.shown(e.created_at),
        "level": e.level,
        "channel": e.channel,
        "language": e.language or "unknown",
        "conversation": masked(e.conversation_id),
        "reading": f"{e.reading_mgdl:.0f} mg/dL" if e.reading_mgdl is not None else "",
        "reason": masked(e.reason),
    }


def escalation(db: Session, clock: Clock, escalation_id: int) -> Optional[Escalation]:
    found = db.get(Escalation, escalation_id)
    if found is None or found.created_at < clock.since(clock.retention_days):
        return None
    return found


# ---- unanswered questions ---------------------------------------------------------------


@dataclass
class QuestionGroup:
    theme: str
    count: int
    newest: str
    questions: List[Dict[str, str]]


@dataclass
class QuestionView:
    days: int
    status: str  # a statuses.STATUSES key, or "all"
    theme: str  # "" for every theme
    groups: List[QuestionGroup]
    total: int
    themes: List[str]
    more: int = 0


def questions(db: Session, clock: Clock, days: int, status: str = "all", theme: str = "") -> QuestionView:
    """Unanswered questions grouped by theme: the largest group first, newest first within it."""
    query = select(UnansweredQuestion).where(UnansweredQuestion.created_at >= clock.since(days))
    if status != "all":
        stored = statuses.stored(status)
        column = UnansweredQuestion.status
        query = query.where(column.is_(None) if stored is None else column == stored)
    found = list(db.scalars(query.order_by(UnansweredQuestion.created_at.desc(), UnansweredQuestion.id.desc())))
    themes = sorted({q.theme or "unclear" for q in found})
    if theme:
        found = [q for q in found if (q.theme or "unclear") == theme]
    listed = found[:MAX_ROWS]
    grouped: Dict[str, List[UnansweredQuestion]] = {}
    for q in listed:
        grouped.setdefault(q.theme or "unclear", []).append(q)
    groups = [
        QuestionGroup(
            theme=name,
            count=len(items),
            newest=clock.shown(items[0].created_at),
            questions=[question_row(q, clock) for q in items],
        )
        for name, items in grouped.items()
    ]
    # The themes families ask most about first; ties by the newest question.
    groups.sort(key=lambda g: g.newest, reverse=True)
    groups.sort(key=lambda g: g.count, reverse=True)
    return QuestionView(
        days=days,
        status=status,
        theme=theme,
        groups=groups,
        total=len(found),
        themes=themes,
        more=max(0, len(found) - MAX_ROWS),
    )


def question_row(q: UnansweredQuestion, clock: Clock) -> Dict[str, str]:
    status = statuses.shown(q.status)
    return {
        "id": str(q.id),
        "time": clock.shown(q.created_at),
        "theme": q.theme or "unclear",
        "kind": {"not_covered": "not in the materials", "nlu_fallback": "not understood"}.get(q.intent, "off topic"),
        "channel": q.channel,
        "language": q.language or "unknown",
        "conversation": masked(q.conversation_id),
        "text": masked(q.text),
        "status": status,
        "status_label": statuses.STATUSES[status],
        "status_by": q.status_changed_by or "",
        "status_at": clock.shown(q.status_changed_at),
    }


def question(db: Session, clock: Clock, question_id: int) -> Optional[UnansweredQuestion]:
    found = db.get(UnansweredQuestion, question_id)
    if found is None or found.created_at < clock.since(clock.retention_days):
        return None
    return found


def set_status(db: Session, question: UnansweredQuestion, status: str, username: str) -> None:
    question.status = statuses.stored(status)
    question.status_changed_at = utcnow()
    question.status_changed_by = username


def level_names() -> Sequence[str]:
    return LEVELS
