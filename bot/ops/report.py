"""`python -m bot report`: recent escalations, SMS that did not reach a family, and
unanswered questions, for staff."""

from datetime import timedelta
from typing import Dict, List, Optional

from sqlalchemy import select

from bot.db.engine import session_factory
from bot.db.tables import Escalation, SmsInboxMessage, SmsOutboxMessage, UnansweredQuestion, utcnow

# An escalation SMS not sent by then is shown while it is still being retried.
SLOW_ESCALATION = timedelta(minutes=2)


def build_report(days: int = 7, url: Optional[str] = None, limit: int = 200) -> str:
    since = utcnow() - timedelta(days=days)
    lines: List[str] = []
    with session_factory(url)() as session:
        escalations = session.scalars(
            select(Escalation).where(Escalation.created_at >= since).order_by(Escalation.created_at.desc()).limit(limit)
        ).all()
        questions = session.scalars(
            select(UnansweredQuestion)
            .where(UnansweredQuestion.created_at >= since)
            .order_by(UnansweredQuestion.created_at.desc())
            .limit(limit)
        ).all()
        undelivered = session.scalars(
            select(SmsOutboxMessage)
            .where(
                SmsOutboxMessage.created_at >= since,
                SmsOutboxMessage.level.is_not(None),
                (SmsOutboxMessage.state.in_(("failed", "expired")))
                | ((SmsOutboxMessage.state == "pending") & (SmsOutboxMessage.created_at < utcnow() - SLOW_ESCALATION)),
            )
            .order_by(SmsOutboxMessage.created_at.desc())
            .limit(limit)
        ).all()
        unanswered_sms = session.scalars(
            select(SmsInboxMessage)
            .where(SmsInboxMessage.received_at >= since, SmsInboxMessage.state == "failed")
            .order_by(SmsInboxMessage.received_at.desc())
            .limit(limit)
        ).all()
    lines.append(f"Escalation SMS NOT delivered in the last {days} days: {len(undelivered)}")
    if undelivered:
        lines.append("  Call these families: the escalation reply did not reach them.")
    for o in undelivered:
        status = "still retrying" if o.state == "pending" else o.state
        lines.append(
            f"  {o.created_at:%Y-%m-%d %H:%M} UTC  {o.level:<9} sms-{o.number_hash[:20]:<20} "
            f"{status:<14} {o.attempts} attempt(s)  {o.last_error or ''}"
        )
    lines.append(f"SMS the assistant could not answer in the last {days} days: {len(unanswered_sms)}")
    for i in unanswered_sms:
        lines.append(f"  {i.received_at:%Y-%m-%d %H:%M} UTC  sms-{i.number_hash[:20]:<20} {i.last_error or ''}")
    lines.append(f"Escalations in the last {days} days: {len(escalations)}")
    for e in escalations:
        reading = f"{e.reading_mgdl:.0f} mg/dL" if e.reading_mgdl is not None else "-"
        lines.append(
            f"  {e.created_at:%Y-%m-%d %H:%M} UTC  {e.level:<9} {e.channel:<8} {e.language or '?':<3}"
            f"{e.conversation_id[:24]:<24} {reading:>10}  {e.reason}"
        )
    lines.append(f"Questions the bot could not answer in the last {days} days: {len(questions)}, by theme")
    by_theme: Dict[str, List[UnansweredQuestion]] = {}
    for q in questions:
        by_theme.setdefault(q.theme or "unclear", []).append(q)
    for theme, items in sorted(by_theme.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(f"  {theme}: {len(items)}")
        for q in items:
            lines.append(
                f"    {q.created_at:%Y-%m-%d %H:%M} UTC  {q.channel:<8} {q.language or '?':<3}"
                f"{q.conversation_id[:24]:<24} {q.text[:120]!r}"
            )
    return "\n".join(lines)
