"""SMS state in the app database: opt-outs, offered options, seen message ids.

Numbers are keyed by their salted hash (bot.channels.sms.security), never the
number. The methods block on the database: the channel runs them in its
executor, off the event loop.
"""

import json
from datetime import timedelta
from typing import List, Optional

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.db.engine import session_factory
from bot.db.tables import SmsNumber, SmsSeenMessage, utcnow

# Providers redeliver within minutes; a week of ids is plenty to spot repeats.
SEEN_MESSAGE_DAYS = 7


class SmsStore:
    def __init__(self, url: Optional[str] = None) -> None:
        self.sessions: sessionmaker = session_factory(url)  # raises at start if unreachable

    def claim_message(self, message_sid: str) -> bool:
        """True the first time a MessageSid is seen; False for a redelivery."""
        try:
            with self.sessions.begin() as session:
                session.execute(
                    delete(SmsSeenMessage).where(
                        SmsSeenMessage.received_at < utcnow() - timedelta(days=SEEN_MESSAGE_DAYS)
                    )
                )
                session.add(SmsSeenMessage(message_sid=message_sid[:64]))
        except IntegrityError:
            return False
        return True

    def is_opted_out(self, number_hash: str) -> bool:
        with self.sessions() as session:
            row = session.get(SmsNumber, number_hash)
            return bool(row and row.opted_out)

    def set_opted_out(self, number_hash: str, opted_out: bool) -> bool:
        """Record the choice; True if it changed (so it is confirmed only once)."""
        try:
            with self.sessions.begin() as session:
                row = session.get(SmsNumber, number_hash)
                if row is None:
                    if not opted_out:
                        return False
                    session.add(SmsNumber(number_hash=number_hash, opted_out=True))
                    return True
                if row.opted_out == opted_out:
                    return False
                row.opted_out = opted_out
                row.changed_at = utcnow()
                row.options = None
                return True
        except IntegrityError:  # the same keyword arrived twice at once; the other one won
            return False

    def take_options(self, number_hash: str) -> List[str]:
        """The options last offered, cleared: a number only picks from the latest reply."""
        with self.sessions.begin() as session:
            row = session.get(SmsNumber, number_hash)
            if row is None or not row.options:
                return []
            options = json.loads(row.options)
            row.options = None
            return options

    def offer_options(self, number_hash: str, payloads: List[str]) -> None:
        try:
            with self.sessions.begin() as session:
                row = session.get(SmsNumber, number_hash)
                if row is None:
                    row = SmsNumber(number_hash=number_hash, opted_out=False)
                    session.add(row)
                row.options = json.dumps(payloads)
        except IntegrityError:  # created concurrently; write again onto that row
            with self.sessions.begin() as session:
                session.get(SmsNumber, number_hash).options = json.dumps(payloads)
