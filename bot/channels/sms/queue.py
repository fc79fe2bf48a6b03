"""The SMS inbox and outbox in the app database: what arrived and what is to be sent
survive a deploy, a crash or a provider outage.

Both are work queues shared by every replica. A worker claims a row with a
lease (lease_owner, lease_until) in one conditional UPDATE, so two replicas
never hold the same row, and the row of a worker that died is taken again once
its lease runs out (a clean stop hands its leases back at once). A number's
rows are taken oldest first and one at a time, so its messages are answered,
and its replies sent, in the order they came.

Every method blocks on the database; the channel calls them from its executor.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, List, Optional, Sequence, Tuple, Type

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.channels.sms import store
from bot.channels.sms.security import Sealer, SealError
from bot.db.engine import session_factory
from bot.db.tables import SmsInboxMessage, SmsOutboxMessage, utcnow

LEASE_SECONDS = 60
# A reply still worth sending after an outage; later it only confuses.
REPLY_LIFETIME = timedelta(hours=12)
# Handled inbound rows are kept this long, to recognise a redelivered MessageSid.
HANDLED_KEPT = timedelta(days=7)
ERROR_CHARS = 200


@dataclass(frozen=True)
class Reply:
    body: str
    kind: str = "reply"  # "keyword": STOP/START/HELP answers, sent even to an opted-out number
    level: Optional[str] = None  # escalation level, for the staff report


@dataclass(frozen=True)
class Inbound:
    id: int
    number_hash: str
    phone: str
    body: str
    attempts: int


@dataclass(frozen=True)
class Outbound:
    id: int
    number_hash: str
    phone: str
    body: str
    kind: str
    level: Optional[str]
    attempts: int
    expires_at: datetime


# Decides, inside the accepting transaction, whether the webhook answers a message
# itself (a keyword): its replies, or None to leave it to the inbox worker.
AnswerNow = Callable[[Session], Optional[List[Reply]]]


class SmsQueue:
    def __init__(self, sealer: Sealer, url: Optional[str] = None, sessions: Optional[sessionmaker] = None) -> None:
        self.sealer = sealer
        self.sessions: sessionmaker = sessions or session_factory(url)  # raises at start if unreachable
        self.owner = uuid.uuid4().hex  # this process, in lease_owner

    # ---- inbox ------------------------------------------------------------------------

    def accept(self, message_sid: str, number_hash: str, phone: str, body: str, answer_now: AnswerNow) -> bool:
        """Commit an inbound message (and a keyword's effects); False for a MessageSid already
        accepted. Raises if the database fails: then the webhook must not answer 200."""
        try:
            with self.sessions.begin() as session:
                known = session.scalar(select(SmsInboxMessage.id).where(SmsInboxMessage.message_sid == message_sid))
                if known is not None:
                    return False
                row = SmsInboxMessage(
                    message_sid=message_sid[:64],
                    number_hash=number_hash,
                    phone_sealed=self.sealer.seal(phone),
                    body_sealed=self.sealer.seal(body),
                    state="pending",
                )
                session.add(row)
                session.flush()
                replies = answer_now(session)
                if replies is not None:
                    self._finish_inbox_row(row)
                    self._enqueue(session, row.id, number_hash, phone, replies)
        except IntegrityError:  # the same MessageSid, accepted a moment ago by another request
            return False
        return True

    def claim_inbox(self, limit: int) -> Tuple[List[Inbound], List[int]]:
        """Up to `limit` messages to answer, leased to this process; and rows that cannot be
        opened (sealed under another key), already marked failed."""
        claimed, unreadable = [], []
        for row in self._claim(SmsInboxMessage, limit):
            try:
                claimed.append(
                    Inbound(
                        row.id,
                        row.number_hash,
                        self.sealer.open(row.phone_sealed),
                        self.sealer.open(row.body_sealed),
                        row.attempts,
                    )
                )
            except SealError as exc:
                self.fail_inbox(row.id, str(exc))
                unreadable.append(row.id)
        return claimed, unreadable

    def finish_inbox(self, inbound: Inbound, replies: Sequence[Reply], options: Optional[List[str]]) -> None:
        """The answer is in: its SMS queued, the options on offer replaced and the message
        marked done, in one transaction (so a crash never answers it twice)."""
        with self.sessions.begin() as session:
            row = session.get(SmsInboxMessage, inbound.id, with_for_update=True)
            if row is None or row.state != "pending":
                return
            self._enqueue(session, row.id, inbound.number_hash, inbound.phone, replies)
            if replies:
                store.offer_options(session, inbound.number_hash, options)
            self._finish_inbox_row(row)

    def retry_inbox(self, inbound_id: int, delay_seconds: float, error: str) -> None:
        self._reschedule(SmsInboxMessage, inbound_id, delay_seconds, error)

    def fail_inbox(self, inbound_id: int, error: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(SmsInboxMessage)
                .where(SmsInboxMessage.id == inbound_id)
                .values(
                    state="failed",
                    handled_at=utcnow(),
                    phone_sealed=None,
                    body_sealed=None,
                    lease_owner=None,
                    lease_until=None,
                    last_error=error[:ERROR_CHARS],
                )
            )

    def unchecked_while_down(self, limit: int) -> List[Inbound]:
        """Waiting messages not yet checked for an escalation while the conversation store
        is down, in any order: an emergency must not wait behind the number's older texts."""
        with self.sessions() as session:
            rows = session.scalars(
                select(SmsInboxMessage)
                .where(SmsInboxMessage.state == "pending", SmsInboxMessage.interim_sent.is_(False))
                .order_by(SmsInboxMessage.id)
                .limit(limit)
            ).all()
        found = []
        for row in rows:
            try:
                found.append(
                    Inbound(
                        row.id,
                        row.number_hash,
                        self.sealer.open(row.phone_sealed),
                        self.sealer.open(row.body_sealed),
                        row.attempts,
                    )
                )
            except SealError:
                continue  # failed when its turn comes
        return found

    def checked_while_down(self, inbound: Inbound, replies: Sequence[Reply]) -> bool:
        """Queue the escalation reply a message called for while the store was down; False if
        another replica did it first."""
        with self.sessions.begin() as session:
            marked = session.execute(
                update(SmsInboxMessage)
                .where(
                    SmsInboxMessage.id == inbound.id,
                    SmsInboxMessage.state == "pending",
                    SmsInboxMessage.interim_sent.is_(False),
                )
                .values(interim_sent=True)
            ).rowcount
            if marked:
                self._enqueue(session, inbound.id, inbound.number_hash, inbound.phone, replies)
            return bool(marked)

    # ---- outbox -----------------------------------------------------------------------

    def claim_outbox(self, limit: int) -> List[Outbound]:
        claimed = []
        for row in self._claim(SmsOutboxMessage, limit):
            try:
                phone = self.sealer.open(row.phone_sealed)
            except SealError as exc:
                self.finish_send(row.id, "failed", str(exc), attempted=False)
                continue
            claimed.append(
                Outbound(row.id, row.number_hash, phone, row.body, row.kind, row.level, row.attempts, row.expires_at)
            )
        return claimed

    def is_opted_out(self, number_hash: str) -> bool:
        with self.sessions() as session:
            return store.is_opted_out(session, number_hash)

    def retry_send(self, outbound_id: int, delay_seconds: float, error: str) -> None:
        self._reschedule(SmsOutboxMessage, outbound_id, delay_seconds, error)

    def finish_send(self, outbound_id: int, state: str, detail: Optional[str] = None, attempted: bool = True) -> None:
        """sent, withheld, failed or expired; the number is forgotten either way."""
        values = dict(state=state, finished_at=utcnow(), phone_sealed=None, lease_owner=None, lease_until=None)
        if attempted:
            values["attempts"] = SmsOutboxMessage.attempts + 1
        if detail:
            values["last_error"] = detail[:ERROR_CHARS]
        with self.sessions.begin() as session:
            session.execute(update(SmsOutboxMessage).where(SmsOutboxMessage.id == outbound_id).values(**values))

    # ---- both -------------------------------------------------------------------------

    def renew(self, table: Type, ids: Sequence[int]) -> None:
        """Extend this process's leases on rows still being worked on."""
        if not ids:
            return
        with self.sessions.begin() as session:
            session.execute(
                update(table)
                .where(table.id.in_(list(ids)), table.lease_owner == self.owner, table.state == "pending")
                .values(lease_until=utcnow() + timedelta(seconds=LEASE_SECONDS))
            )

    def release(self, table: Type, ids: Sequence[int]) -> None:
        """Hand leases back (a clean stop), so the next process takes the rows at once."""
        if not ids:
            return
        with self.sessions.begin() as session:
            session.execute(
                update(table)
                .where(table.id.in_(list(ids)), table.lease_owner == self.owner)
                .values(lease_owner=None, lease_until=None)
            )

    def pending(self) -> Tuple[int, int]:
        """(inbound messages waiting, SMS waiting to be sent)."""
        with self.sessions() as session:
            inbox = session.scalar(
                select(func.count()).select_from(SmsInboxMessage).where(SmsInboxMessage.state == "pending")
            )
            outbox = session.scalar(
                select(func.count()).select_from(SmsOutboxMessage).where(SmsOutboxMessage.state == "pending")
            )
        return int(inbox or 0), int(outbox or 0)

    def forget_handled(self) -> None:
        """Drop handled inbound rows older than HANDLED_KEPT (a redelivery comes within minutes)."""
        with self.sessions.begin() as session:
            session.execute(
                delete(SmsInboxMessage).where(
                    SmsInboxMessage.state != "pending", SmsInboxMessage.received_at < utcnow() - HANDLED_KEPT
                )
            )

    # ---- internals ---------------------------------------------------------------------

    def _claim(self, table: Type, limit: int) -> list:
        if limit <= 0:
            return []
        now = utcnow()
        older = aliased(table)
        free = or_(table.lease_until.is_(None), table.lease_until < now)
        earlier_waiting = (
            select(older.id)
            .where(older.number_hash == table.number_hash, older.state == "pending", older.id < table.id)
            .exists()
        )
        claimed = []
        with self.sessions.begin() as session:
            candidates = session.scalars(
                select(table.id)
                .where(table.state == "pending", table.next_try_at <= now, free, ~earlier_waiting)
                .order_by(table.id)
                .limit(limit)
            ).all()
            for row_id in candidates:
                taken = session.execute(
                    update(table)
                    .where(and_(table.id == row_id, table.state == "pending", free))
                    .values(lease_owner=self.owner, lease_until=now + timedelta(seconds=LEASE_SECONDS))
                ).rowcount
                if taken:
                    claimed.append(session.get(table, row_id))
        return claimed

    def _reschedule(self, table: Type, row_id: int, delay_seconds: float, error: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(table)
                .where(table.id == row_id)
                .values(
                    attempts=table.attempts + 1,
                    next_try_at=utcnow() + timedelta(seconds=delay_seconds),
                    lease_owner=None,
                    lease_until=None,
                    last_error=error[:ERROR_CHARS],
                )
            )

    def _enqueue(
        self, session: Session, inbox_id: Optional[int], number_hash: str, phone: str, replies: Sequence[Reply]
    ) -> None:
        now = utcnow()
        for reply in replies:
            session.add(
                SmsOutboxMessage(
                    inbox_id=inbox_id,
                    number_hash=number_hash,
                    phone_sealed=self.sealer.seal(phone),
                    body=reply.body,
                    kind=reply.kind,
                    level=reply.level,
                    created_at=now,
                    expires_at=now + REPLY_LIFETIME,
                    next_try_at=now,
                    state="pending",
                )
            )

    @staticmethod
    def _finish_inbox_row(row: SmsInboxMessage) -> None:
        row.state = "done"
        row.handled_at = utcnow()
        row.phone_sealed = row.body_sealed = None
        row.lease_owner = row.lease_until = None
