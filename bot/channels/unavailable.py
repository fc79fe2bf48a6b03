"""What a channel says when the conversation store is down.

The message cannot be handled now (nothing would be stored), but a family
reporting an emergency or a blood-sugar concern must not wait for the database:
the escalation reply the message alone calls for goes out first, worded as
always (knowledge/replies.yml), then `store_unavailable` (try again; the clinic
number; 911). The escalation detector needs no database and no Rasa.
"""

from typing import List, Optional, Tuple

from bot.core.escalation import assess
from bot.core.knowledge import get_knowledge
from bot.core.knowledge.repository import PUMP_FAILURE_VARIANT
from bot.core.language import get_detector, reply_language, together
from bot.rasa.tracker_store import TrackerStoreUnavailable

RETRY_AFTER_SECONDS = 10


def store_down(exc: BaseException) -> Optional[TrackerStoreUnavailable]:
    """The TrackerStoreUnavailable behind an exception, if that is what it is."""
    seen = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, TrackerStoreUnavailable):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def escalation_reply(text: str, language: Optional[str] = None) -> Optional[Tuple[str, str]]:
    """(level, reply) for the escalation a message calls for on its own, or None.

    Every REST and socket.io message passes here (bot/channels/escalation_first.py): the
    level is read first (every lexicon reads the message whatever the reply language), and
    the message's language is detected only for a reply that is sent."""
    knowledge = get_knowledge()
    if assess(text).level == "none":
        return None
    language = language or reply_language(text)  # no conversation to ask: the message's own language
    replies = []
    # A message with words of another answer language too gets the reply in that language as well.
    for each in (language, *get_detector().mixed_with(text, language)):
        found = assess(text, language=each)
        name = f"escalate_{found.level}"
        if found.level == "clinic" and found.pump_failure:
            name = PUMP_FAILURE_VARIANT
        reply = knowledge.reply(name, each)
        replies.append(reply.format(**knowledge.contacts_in(each), escalation_reason=found.reason_text))
    return found.level, together(replies)


def replies_when_store_down(text: str) -> List[str]:
    knowledge = get_knowledge()
    language = reply_language(text)
    escalation = escalation_reply(text, language)
    replies = [escalation[1]] if escalation else []
    replies.append(knowledge.fill(knowledge.reply("store_unavailable", language), language))
    return replies
