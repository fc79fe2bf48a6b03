"""Per-number SMS state in the app database: the opt-out and the options last offered.

Numbers are keyed by their salted hash (bot.channels.sms.security), never the
number. Every function takes an open SQLAlchemy session, so the caller decides
the transaction: a STOP is recorded in the same one as its inbound message.
"""

import json
from typing import List, Optional

from sqlalchemy.orm import Session

from bot.db.tables import SmsNumber, utcnow


def is_opted_out(session: Session, number_hash: str) -> bool:
    row = session.get(SmsNumber, number_hash)
    return bool(row and row.opted_out)


def set_opted_out(session: Session, number_hash: str, opted_out: bool) -> bool:
    """Record the choice; True if it changed (so it is confirmed only once)."""
    row = session.get(SmsNumber, number_hash, with_for_update=True)
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


def offered_options(session: Session, number_hash: str) -> List[str]:
    """The payloads the last reply offered as 1, 2, 3 (cleared when the next reply is queued)."""
    row = session.get(SmsNumber, number_hash)
    return json.loads(row.options) if row is not None and row.options else []


def offer_options(session: Session, number_hash: str, payloads: Optional[List[str]]) -> None:
    """Replace the options on offer (None: nothing to pick from any more)."""
    row = session.get(SmsNumber, number_hash)
    if row is None:
        if not payloads:
            return
        row = SmsNumber(number_hash=number_hash, opted_out=False)
        session.add(row)
    row.options = json.dumps(payloads) if payloads else None
