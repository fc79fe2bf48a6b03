"""Signed-in browsers: a random token in an HttpOnly, SameSite=Strict cookie, stored only as
its SHA-256; each session has its own CSRF token for the page's forms. A session ends at
sign-out, after STAFF_SESSION_HOURS (8) or after STAFF_IDLE_MINUTES (30) without a request.

Wrong passwords: after 5 refused sign-ins for one user name (or 20 from one address) in 15
minutes, sign-in is refused for them until the 15 minutes have passed."""

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db.tables import StaffSession, StaffUser, utcnow
from bot.staff import access_log

COOKIE = "staff_session"
LOGIN_CSRF_COOKIE = "staff_login_csrf"
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_REFUSED_PER_USER = 5
MAX_REFUSED_PER_CLIENT = 20


@dataclass(frozen=True)
class SessionSettings:
    lifetime: timedelta
    idle: timedelta

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "SessionSettings":
        env = os.environ if environ is None else environ
        hours = _positive(env, "STAFF_SESSION_HOURS", 8)
        minutes = _positive(env, "STAFF_IDLE_MINUTES", 30)
        return cls(lifetime=timedelta(hours=hours), idle=timedelta(minutes=minutes))


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise ValueError(f"{name} must be more than 0, not {raw}")
    return value


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tokens_match(a: Optional[str], b: Optional[str]) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def start(db: Session, username: str, settings: SessionSettings) -> str:
    """A new session for a user who just signed in; returns the cookie's token."""
    token = new_token()
    now = utcnow()
    db.add(
        StaffSession(
            token_hash=_hash(token),
            username=username,
            csrf_token=new_token(),
            created_at=now,
            last_seen_at=now,
            expires_at=now + settings.lifetime,
        )
    )
    return token


def find(db: Session, token: Optional[str], settings: SessionSettings) -> Optional[StaffSession]:
    """The live session for a cookie's token (its idle clock restarted), or None."""
    if not token or len(token) > 100:
        return None
    session = db.get(StaffSession, _hash(token))
    if session is None:
        return None
    now = utcnow()
    user = db.scalar(select(StaffUser).where(StaffUser.username == session.username))
    if now >= session.expires_at or now - session.last_seen_at >= settings.idle or user is None or user.disabled:
        db.delete(session)
        return None
    session.last_seen_at = now
    return session


def end(db: Session, token: Optional[str]) -> None:
    if token:
        db.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))


def sign_in_blocked(db: Session, username: str, client: Optional[str]) -> bool:
    since = utcnow() - THROTTLE_WINDOW
    if access_log.refused_since(db, since, username=username) >= MAX_REFUSED_PER_USER:
        return True
    return client is not None and access_log.refused_since(db, since, client=client) >= MAX_REFUSED_PER_CLIENT
