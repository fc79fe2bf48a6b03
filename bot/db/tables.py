"""Every table of the app database (APP_DATABASE_URL): the escalation audit, the
questions the bot could not answer, and the SMS channel's state. Never a message
text beside an escalation, never a phone number: SMS rows are keyed by a salted hash."""

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import declarative_base

Base: Any = declarative_base()  # Any: mypy cannot see the class SQLAlchemy 1.4 makes
# Rasa's sender id of an SMS conversation is this prefix and the number's hash
# (bot/channels/sms/security.py); retention matches tracker rows to SmsNumber by it.
SMS_SENDER_PREFIX = "sms-"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Escalation(Base):
    """One escalated message. Never the message text: only what staff need to follow up."""

    __tablename__ = "escalations"
    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    channel = Column(String(64), nullable=False)
    conversation_id = Column(String(128), nullable=False, index=True)
    level = Column(String(16), nullable=False)
    reason = Column(String(500), nullable=False)
    reading_mgdl = Column(Float, nullable=True)
    # The language the family was answered in (knowledge/language.yml), for staff review.
    language = Column(String(8), nullable=True)
    # The user event it records: a retried write never makes a second row.
    event_key = Column(String(64), nullable=True, unique=True)


class UnansweredQuestion(Base):
    """A question the bot could not answer (not in the materials, fallback or out of
    scope), for staff review: `make report` groups them by theme."""

    __tablename__ = "unanswered_questions"
    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    channel = Column(String(64), nullable=False)
    conversation_id = Column(String(128), nullable=False)
    intent = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    event_key = Column(String(64), nullable=True, unique=True)
    # knowledge/understanding/rules.yml `themes` for not_covered; "unclear" or "off topic" otherwise
    theme = Column(String(64), nullable=True)
    language = Column(String(8), nullable=True)
    # Set by staff on the review page (bot/staff/): NULL is "new"; see bot/staff/statuses.py.
    status = Column(String(16), nullable=True, index=True)
    status_changed_at = Column(DateTime, nullable=True)
    status_changed_by = Column(String(64), nullable=True)


class SmsNumber(Base):
    __tablename__ = "sms_numbers"
    number_hash = Column(String(64), primary_key=True)
    opted_out = Column(Boolean, nullable=False, default=False)
    changed_at = Column(DateTime, nullable=False, default=utcnow)
    # JSON list of the payloads the last reply offered as 1, 2, 3.
    options = Column(Text, nullable=True)


class SmsInboxMessage(Base):
    """An inbound SMS, committed before the webhook answers 200 and handled by the inbox worker.

    The number and the text are sealed (bot/channels/sms/security.py) and cleared
    once handled; the row stays a while so a redelivered MessageSid is recognised.
    """

    __tablename__ = "sms_inbox"
    id = Column(Integer, primary_key=True)
    message_sid = Column(String(64), nullable=False, unique=True)
    number_hash = Column(String(64), nullable=False, index=True)
    phone_sealed = Column(Text, nullable=True)
    body_sealed = Column(Text, nullable=True)
    received_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    # pending -> done (answered, or a keyword answered at the webhook) | failed
    state = Column(String(16), nullable=False, default="pending", index=True)
    attempts = Column(Integer, nullable=False, default=0)
    next_try_at = Column(DateTime, nullable=False, default=utcnow)
    lease_owner = Column(String(32), nullable=True)
    lease_until = Column(DateTime, nullable=True)
    # The escalation reply was already sent while the conversation store was down.
    interim_sent = Column(Boolean, nullable=False, default=False)
    handled_at = Column(DateTime, nullable=True)
    last_error = Column(String(200), nullable=True)


class SmsOutboxMessage(Base):
    """One SMS to send, retried with back-off until the provider takes it or it expires."""

    __tablename__ = "sms_outbox"
    id = Column(Integer, primary_key=True)
    inbox_id = Column(Integer, nullable=True, index=True)
    number_hash = Column(String(64), nullable=False, index=True)
    phone_sealed = Column(Text, nullable=True)  # cleared once the row is finished
    body = Column(Text, nullable=False)  # the assistant's words, never the family's
    # "reply" is withheld from an opted-out number; "keyword" (STOP/START/HELP answers) is not.
    kind = Column(String(16), nullable=False, default="reply")
    level = Column(String(16), nullable=True)  # the escalation level of the reply, if any
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    expires_at = Column(DateTime, nullable=False)
    # pending -> sent | withheld (opted out) | failed (refused by the provider) | expired
    state = Column(String(16), nullable=False, default="pending", index=True)
    attempts = Column(Integer, nullable=False, default=0)
    next_try_at = Column(DateTime, nullable=False, default=utcnow)
    lease_owner = Column(String(32), nullable=True)
    lease_until = Column(DateTime, nullable=True)
    finished_at = Column(DateTime, nullable=True)
    last_error = Column(String(200), nullable=True)


class StaffUser(Base):
    """A member of staff who may use the review page; created with `python -m bot staff add`."""

    __tablename__ = "staff_users"
    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(200), nullable=False)  # argon2id, with its own salt and parameters
    created_at = Column(DateTime, nullable=False, default=utcnow)
    disabled = Column(Boolean, nullable=False, default=False)


class StaffSession(Base):
    """A signed-in browser. Only the token's SHA-256 is stored: a copy of the table opens nothing."""

    __tablename__ = "staff_sessions"
    token_hash = Column(String(64), primary_key=True)
    username = Column(String(64), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_seen_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False, index=True)


class AccessLogEntry(Base):
    """Who saw or changed what on the review page, and when (kept as long as RETENTION_DAYS)."""

    __tablename__ = "staff_access_log"
    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    username = Column(String(64), nullable=True, index=True)  # as typed, for a refused sign-in
    action = Column(String(32), nullable=False)  # view, export, status, sign_in, sign_in_refused, sign_out
    target = Column(String(300), nullable=False)  # the path and query, or what was changed
    detail = Column(String(200), nullable=True)
    client = Column(String(64), nullable=True)
