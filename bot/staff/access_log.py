"""The review page's trace: who saw, exported or changed what, and when. Kept as long as
RETENTION_DAYS (bot/ops/retention.py deletes older rows)."""

from typing import List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.tables import AccessLogEntry, utcnow

ACTIONS = ("view", "export", "status", "sign_in", "sign_in_refused", "sign_out")


def record(
    db: Session,
    username: Optional[str],
    action: str,
    target: str,
    detail: Optional[str] = None,
    client: Optional[str] = None,
) -> None:
    assert action in ACTIONS, action
    db.add(
        AccessLogEntry(
            created_at=utcnow(),
            username=(username or None) and username[:64],
            action=action,
            target=target[:300],
            detail=detail[:200] if detail else None,
            client=client[:64] if client else None,
        )
    )


def refused_since(db: Session, since, username: Optional[str] = None, client: Optional[str] = None) -> int:
    """Refused sign-ins since `since`, for one user name or one client address."""
    where = [AccessLogEntry.action == "sign_in_refused", AccessLogEntry.created_at >= since]
    if username is not None:
        where.append(AccessLogEntry.username == username[:64])
    if client is not None:
        where.append(AccessLogEntry.client == client[:64])
    return db.scalar(select(func.count()).select_from(AccessLogEntry).where(*where)) or 0


def entries(db: Session, since, limit: int = 500) -> List[AccessLogEntry]:
    return list(
        db.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.created_at >= since)
            .order_by(AccessLogEntry.created_at.desc(), AccessLogEntry.id.desc())
            .limit(limit)
        )
    )
