"""bot.channels.escalation_first with Rasa's own lock store and a handler that waits."""

import asyncio
from types import SimpleNamespace

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore

from bot.channels.escalation_first import conversation_busy, escalation_first
from bot.rasa.lock_store import InMemoryTurnLockStore


def run(messages, busy_sender=None):
    store = InMemoryLockStore()
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(lock_store=store)))
    handled = []

    async def rasa(message):
        await asyncio.sleep(0.05)
        handled.append((message.text, type(message.output_channel) is CollectingOutputChannel))
        await message.output_channel.send_text_message(message.sender_id, f"rasa: {message.text}")

    async def go():
        if busy_sender:
            store.issue_ticket(busy_sender)  # an earlier message holds the conversation
        handle = escalation_first(rasa, lambda: app)
        outputs = []
        for sender, text in messages:
            out = CollectingOutputChannel()
            await handle(UserMessage(text, out, sender))
            outputs.append([m["text"] for m in out.messages])
        await asyncio.sleep(0.2)  # the turns queued behind
        return outputs

    return asyncio.run(go()), handled


def test_an_escalation_in_a_busy_conversation_is_answered_at_once_and_still_handled_in_turn():
    outputs, handled = run([("fam", "she is having a seizure")], busy_sender="fam")
    assert outputs[0][0].startswith("Call 911 now.") and len(outputs[0]) == 1
    assert handled == [("she is having a seizure", True)]  # recorded by Rasa, its replies not sent again


def test_otherwise_messages_go_to_rasa_as_usual():
    outputs, handled = run([("fam", "she is having a seizure"), ("other", "what is the saline week")])
    assert outputs == [["rasa: she is having a seizure"], ["rasa: what is the saline week"]]
    outputs, _ = run([("fam", "what is the saline week")], busy_sender="fam")
    assert outputs == [["rasa: what is the saline week"]]  # not an escalation: waits its turn


def test_busy_means_a_ticket_that_has_not_expired():
    store = InMemoryLockStore()
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(lock_store=store)))
    assert not conversation_busy(app, "fam") and not conversation_busy(None, "fam")
    store.issue_ticket("fam", lock_lifetime=-1)
    assert not conversation_busy(app, "fam")
    store.issue_ticket("fam")
    assert conversation_busy(app, "fam")


def test_the_escalated_message_keeps_its_place_ahead_of_the_next_message():
    """Its lock ticket is taken before its reply goes out: the family's next message, even one
    another replica reads before this server has run the deferred turn, is handled after it."""
    store = InMemoryTurnLockStore()
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(lock_store=store)))
    handled = []

    async def rasa(message):  # as Agent.handle_message: one turn at a time per conversation
        async with store.lock(message.sender_id, wait_time_in_seconds=0.01):
            handled.append(message.text)

    async def other_replica(ticket):  # the family's next message, read by another replica
        while store.get_lock("fam").is_locked(ticket):
            await asyncio.sleep(0.01)
        handled.append("what is the saline week")
        store.cleanup("fam", ticket)

    async def go():
        earlier = store.issue_ticket("fam")  # an earlier message holds the conversation
        await escalation_first(rasa, lambda: app)(
            UserMessage("she is having a seizure", CollectingOutputChannel(), "fam")
        )
        # The reply is out; the other replica queues the next message before this loop runs the deferred turn.
        next_turn = asyncio.create_task(other_replica(store.issue_ticket("fam")))
        await asyncio.sleep(0.05)
        store.cleanup("fam", earlier)
        await asyncio.wait_for(next_turn, 5)
        await asyncio.sleep(0.05)

    asyncio.run(go())
    assert handled == ["she is having a seizure", "what is the saline week"]
    assert store.get_lock("fam") is None  # every ticket returned


def test_a_reserved_place_is_given_back_when_the_turn_fails_before_rasa_takes_it():
    store = InMemoryTurnLockStore()
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(lock_store=store)))

    async def broken(message):
        raise RuntimeError("fails before the lock")

    async def go():
        earlier = store.issue_ticket("fam")
        await escalation_first(broken, lambda: app)(
            UserMessage("he is having a seizure", CollectingOutputChannel(), "fam")
        )
        await asyncio.sleep(0.05)
        store.cleanup("fam", earlier)

    asyncio.run(go())
    assert not conversation_busy(app, "fam")
