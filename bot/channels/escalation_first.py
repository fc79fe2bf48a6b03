"""An escalation is never kept waiting behind a slow turn of the same conversation.

Rasa handles one message of a conversation at a time (a ticket lock in the lock
store). When a message calls for an escalation on its own and the conversation
is busy with an earlier message (say, a question waiting for a slow action
server), the channel sends the escalation reply at once, worded as always
(knowledge/replies.yml via bot/channels/unavailable.py). The message then still
goes through Rasa in its turn, so the conversation and the escalation audit
hold it; that turn's own replies are not sent again. Its place in the queue is
taken before the reply goes out (a reserved lock ticket), so a message the
family sends after reading the reply is handled after it, on any replica.
"""

import asyncio
import logging
from contextlib import nullcontext
from typing import Any, Awaitable, Callable, ContextManager, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.unavailable import escalation_reply

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]


def escalation_first(on_new_message: Handler, app_of: Callable[[], Optional[Any]]) -> Handler:
    """Wrap a channel's `on_new_message`; `app_of` returns the running Sanic app (or None)."""
    in_turn: Set[asyncio.Task] = set()

    async def handle(message: UserMessage) -> None:
        text = message.text or ""
        found = escalation_reply(text) if text and not text.startswith("/") else None
        app = app_of()
        if found is None or not conversation_busy(app, message.sender_id):
            await on_new_message(message)
            return
        level, reply = found
        later = UserMessage(
            text,
            CollectingOutputChannel(),  # the family has its reply; this turn's are not sent again
            message.sender_id,
            input_channel=message.input_channel,
            metadata=message.metadata,
        )
        place = _reserve_place(app, message.sender_id)
        task = asyncio.create_task(_in_turn(on_new_message, later, place))
        in_turn.add(task)  # a reference, so the task is not garbage-collected mid-way
        task.add_done_callback(in_turn.discard)
        await message.output_channel.send_text_message(message.sender_id, reply)
        logger.warning(
            "%s escalation for %s answered at once: an earlier message of the conversation is still in hand",
            level,
            message.sender_id,
        )

    return handle


def _lock_store(app: Optional[Any]) -> Optional[Any]:
    return getattr(getattr(getattr(app, "ctx", None), "agent", None), "lock_store", None)


def _reserve_place(app: Optional[Any], sender_id: Text) -> ContextManager[Any]:
    """The message's lock ticket, taken now (a no-op context for a store that cannot reserve)."""
    reserve = getattr(_lock_store(app), "reserve_ticket", None)
    if reserve is None:
        return nullcontext()
    try:
        return reserve(sender_id)
    except Exception as exc:  # the lock store's trouble is Rasa's to report when the turn runs
        logger.warning(
            "lock ticket not reserved (%s): the escalated message queues when it reaches Rasa", type(exc).__name__
        )
        return nullcontext()


def conversation_busy(app: Optional[Any], sender_id: Optional[Text]) -> bool:
    """True while an earlier message of the conversation holds or waits for its lock."""
    lock_store = _lock_store(app)
    if lock_store is None or not sender_id:
        return False
    try:
        lock = lock_store.get_lock(sender_id)
    except Exception as exc:  # the lock store's trouble is Rasa's to report; answer as usual
        logger.warning("lock store not readable (%s): escalation answered in turn", type(exc).__name__)
        return False
    return bool(lock and any(not ticket.has_expired() for ticket in lock.tickets))


async def _in_turn(on_new_message: Handler, message: UserMessage, place: ContextManager[Any]) -> None:
    try:
        with place:  # Rasa's lock() takes the reserved ticket; unused, it is given back
            await on_new_message(message)
    except Exception as exc:  # never the text: it may be health information
        logger.error("escalated message of %s not recorded in turn: %s", message.sender_id, type(exc).__name__)
