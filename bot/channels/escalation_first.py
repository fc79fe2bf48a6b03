"""An escalation is never kept waiting behind a slow turn of the same conversation.

Rasa handles one message of a conversation at a time (a ticket lock in the lock
store). When a message calls for an escalation on its own and the conversation
is busy with an earlier message (say, a question waiting for a slow action
server), the channel sends the escalation reply at once, worded as always
(knowledge/replies.yml via bot/channels/unavailable.py). The message then still
goes through Rasa in its turn, so the conversation and the escalation audit
hold it; that turn's own replies are not sent again.
"""

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional, Set, Text

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
        if found is None or not conversation_busy(app_of(), message.sender_id):
            await on_new_message(message)
            return
        level, reply = found
        await message.output_channel.send_text_message(message.sender_id, reply)
        logger.warning(
            "%s escalation for %s answered at once: an earlier message of the conversation is still in hand",
            level,
            message.sender_id,
        )
        later = UserMessage(
            text,
            CollectingOutputChannel(),  # the family has its reply; this turn's are not sent again
            message.sender_id,
            input_channel=message.input_channel,
            metadata=message.metadata,
        )
        task = asyncio.create_task(_in_turn(on_new_message, later))
        in_turn.add(task)  # a reference, so the task is not garbage-collected mid-way
        task.add_done_callback(in_turn.discard)

    return handle


def conversation_busy(app: Optional[Any], sender_id: Optional[Text]) -> bool:
    """True while an earlier message of the conversation holds or waits for its lock."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    lock_store = getattr(agent, "lock_store", None)
    if lock_store is None or not sender_id:
        return False
    try:
        lock = lock_store.get_lock(sender_id)
    except Exception as exc:  # the lock store's trouble is Rasa's to report; answer as usual
        logger.warning("lock store not readable (%s): escalation answered in turn", type(exc).__name__)
        return False
    return bool(lock and any(not ticket.has_expired() for ticket in lock.tickets))


async def _in_turn(on_new_message: Handler, message: UserMessage) -> None:
    try:
        await on_new_message(message)
    except Exception as exc:  # never the text: it may be health information
        logger.error("escalated message of %s not recorded in turn: %s", message.sender_id, type(exc).__name__)
