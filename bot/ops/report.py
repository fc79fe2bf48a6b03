"""`python -m bot report`: recent escalations and unanswered questions for staff."""

from datetime import timedelta
from typing import List, Optional

from sqlalchemy import select

from bot.db.engine import session_factory
from bot.db.tables import Escalation, UnansweredQuestion, utcnow


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
    lines.append(f"Escalations in the last {days} days: {len(escalations)}")
    for e in escalations:
        reading = f"{e.reading_mgdl:.0f} mg/dL" if e.reading_mgdl is not None else "-"
        lines.append(
            f"  {e.created_at:%Y-%m-%d %H:%M} UTC  {e.level:<9} {e.channel:<8} "
            f"{e.conversation_id[:24]:<24} {reading:>10}  {e.reason}"
        )
    lines.append(f"Questions the bot could not answer in the last {days} days: {len(questions)}")
    for q in questions:
        lines.append(
            f"  {q.created_at:%Y-%m-%d %H:%M} UTC  {q.intent:<12} {q.channel:<8} "
            f"{q.conversation_id[:24]:<24} {q.text[:120]!r}"
        )
    return "\n".join(lines)
