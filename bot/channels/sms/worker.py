"""The SMS workers: one answers the inbox through Rasa, one sends the outbox
through the provider. A pair runs on each Rasa server's event loop, started
after the model is loaded and stopped before the server exits.

Inbox: a message that fails because the conversation store is down stays in
the inbox and is tried again every few seconds; meanwhile every waiting
message is checked once for an escalation, and the reply it calls for is sent
at once (the detector needs neither the store nor Rasa). Any other failure is
tried again with back-off, then marked failed (the staff report shows it).

Outbox: each SMS is tried until the provider takes it, with back-off up to
SEND_BACKOFF_CAP seconds between tries, until it expires (queue.REPLY_LIFETIME);
a provider refusal (4xx other than 429) is final. Replies to an opted-out
number are withheld when their turn comes, keyword answers are not.
"""

import asyncio
import logging
import time
from concurrent.futures import Executor
from datetime import timedelta
from functools import partial
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from bot.channels.sms.queue import LEASE_SECONDS, Inbound, Outbound, Reply, SmsQueue
from bot.channels.sms.security import sender_id
from bot.channels.sms.sender import Attempt
from bot.channels.unavailable import store_down
from bot.db.tables import SmsInboxMessage, SmsOutboxMessage, utcnow

logger = logging.getLogger(__name__)

INBOX_CONCURRENCY = 4  # messages of different numbers answered at once
SEND_CONCURRENCY = 4
POLL_SECONDS = 1.0  # rows from other replicas and retries that come due
HANDLE_ATTEMPTS = 5
HANDLE_BACKOFF_SECONDS = 2.0
STORE_DOWN_RETRY_SECONDS = 5.0
SEND_BACKOFF_SECONDS = 1.0
SEND_BACKOFF_CAP = 30.0
STOP_GRACE_SECONDS = 10.0
CHECK_BATCH = 20

# Answers one inbound message: the replies to queue and the options they offer.
Answer = Callable[[Inbound], Awaitable[Tuple[List[Reply], Optional[List[str]]]]]
# The escalation replies a text calls for on its own (used while the store is down).
EscalationReplies = Callable[[str], List[Reply]]
PostOnce = Callable[[str, str], Attempt]


class SmsWorkers:
    def __init__(
        self,
        queue: SmsQueue,
        answer: Answer,
        escalation_replies: EscalationReplies,
        post_once: PostOnce,
        executor: Executor,
        send_executor: Executor,
        poll_seconds: float = POLL_SECONDS,
        send_backoff: float = SEND_BACKOFF_SECONDS,
        send_backoff_cap: float = SEND_BACKOFF_CAP,
        handle_backoff: float = HANDLE_BACKOFF_SECONDS,
        store_down_retry: float = STORE_DOWN_RETRY_SECONDS,
    ) -> None:
        self.queue = queue
        self.answer = answer
        self.escalation_replies = escalation_replies
        self.post_once = post_once
        self.executor = executor  # database calls
        self.send_executor = send_executor  # provider calls, which may block for their timeout
        self.poll_seconds = poll_seconds
        self.send_backoff, self.send_backoff_cap = send_backoff, send_backoff_cap
        self.handle_backoff, self.store_down_retry = handle_backoff, store_down_retry
        self._handling: Dict[int, asyncio.Task] = {}
        self._sending: Dict[int, asyncio.Task] = {}
        self._loops: List[asyncio.Task] = []
        self._inbox_wake = asyncio.Event()
        self._outbox_wake = asyncio.Event()
        self._stopping = False
        self._store_down = False

    # ---- life cycle -------------------------------------------------------------------

    def start(self) -> None:
        self._stopping = False
        self._inbox_wake, self._outbox_wake = asyncio.Event(), asyncio.Event()  # on this loop
        self._loops = [
            asyncio.create_task(self._run(self._inbox_round, lambda: self._inbox_wake, SmsInboxMessage)),
            asyncio.create_task(self._run(self._outbox_round, lambda: self._outbox_wake, SmsOutboxMessage)),
        ]
        logger.info("SMS workers started (inbox and outbox in the app database)")

    def wake(self) -> None:
        self._inbox_wake.set()
        self._outbox_wake.set()

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Finish what is in hand (up to `grace` seconds), hand back the leases of the rest."""
        self._stopping = True
        self.wake()
        await asyncio.gather(*self._loops, return_exceptions=True)
        in_hand = len(self._handling) + len(self._sending)
        handed_back = 0
        for work, table in ((self._handling, SmsInboxMessage), (self._sending, SmsOutboxMessage)):
            left: List[int] = []
            if work:
                _, unfinished = await asyncio.wait(list(work.values()), timeout=grace)
                left = [row_id for row_id, task in work.items() if task in unfinished]
                for task in unfinished:
                    task.cancel()
                await asyncio.gather(*unfinished, return_exceptions=True)
            if left:
                handed_back += len(left)
                try:
                    await self._db(self.queue.release, table, left)
                except Exception as exc:  # the leases run out on their own
                    logger.warning("SMS: could not hand back %d lease(s): %s", len(left), type(exc).__name__)
        self._loops = []
        logger.info("SMS workers stopped: %d row(s) in hand, %d handed back unfinished", in_hand, handed_back)

    async def idle(self, timeout: float = 60.0) -> None:
        """Until nothing waits in the inbox or the outbox (tests, and a clean stop's check)."""
        deadline = time.monotonic() + timeout
        while True:
            if not self._handling and not self._sending and await self._db(self.queue.pending) == (0, 0):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"SMS queues not empty after {timeout} s")
            self.wake()
            await asyncio.sleep(0.02)

    async def _run(self, round_: Callable[[], Awaitable[None]], wake: Callable[[], asyncio.Event], table) -> None:
        renewed = time.monotonic()
        while not self._stopping:
            try:
                await round_()
                if time.monotonic() - renewed > LEASE_SECONDS / 3:
                    renewed = time.monotonic()
                    work = self._handling if table is SmsInboxMessage else self._sending
                    await self._db(self.queue.renew, table, list(work))
            except Exception as exc:  # the app database; the rows wait there
                logger.error("SMS %s: app database error (%s); trying again", table.__tablename__, type(exc).__name__)
            event = wake()
            try:
                await asyncio.wait_for(event.wait(), self.poll_seconds)
            except asyncio.TimeoutError:
                pass
            event.clear()

    async def _db(self, func: Callable, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(func, *args))

    def _spawn(self, work: Dict[int, asyncio.Task], row_id: int, job: Awaitable[None]) -> None:
        async def guarded() -> None:
            try:
                await job
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the app database failed mid-way: the lease runs out, the row is taken again
                logger.error("SMS queue row %d: %s; it will be taken again", row_id, type(exc).__name__)

        task = asyncio.ensure_future(guarded())
        work[row_id] = task
        wake = self._inbox_wake if work is self._handling else self._outbox_wake

        def done(_: asyncio.Task) -> None:
            work.pop(row_id, None)
            wake.set()  # a free slot: take the next row now, not at the next poll

        task.add_done_callback(done)

    # ---- inbox ------------------------------------------------------------------------

    async def _inbox_round(self) -> None:
        free = INBOX_CONCURRENCY - len(self._handling)
        if free > 0:
            rows, unreadable = await self._db(self.queue.claim_inbox, free)
            for row_id in unreadable:
                logger.error("SMS inbox row %d cannot be opened (SMS_HASH_SALT changed?): marked failed", row_id)
            for row in rows:
                self._spawn(self._handling, row.id, self._handle(row))
        if self._store_down:
            await self._check_while_down()

    async def _handle(self, row: Inbound) -> None:
        label = sender_id(row.number_hash)
        try:
            replies, options = await self.answer(row)
        except Exception as exc:
            if store_down(exc) is not None:
                self._store_down = True
                await self._db(self.queue.retry_inbox, row.id, self.store_down_retry, "conversation store unavailable")
                logger.warning("SMS from %s kept in the inbox: the conversation store is unavailable", label)
                self._inbox_wake.set()  # check the waiting messages for escalations now
            elif row.attempts + 1 >= HANDLE_ATTEMPTS:
                await self._db(self.queue.fail_inbox, row.id, type(exc).__name__)
                logger.error(
                    "SMS from %s NOT answered after %d tries (%s)", label, row.attempts + 1, type(exc).__name__
                )
            else:
                delay = self.handle_backoff * 2**row.attempts
                await self._db(self.queue.retry_inbox, row.id, delay, type(exc).__name__)
                logger.warning("SMS from %s failed (%s); trying again in %.0f s", label, type(exc).__name__, delay)
            return
        self._store_down = False
        await self._db(self.queue.finish_inbox, row, replies, options)
        self._outbox_wake.set()

    async def _check_while_down(self) -> None:
        for row in await self._db(self.queue.unchecked_while_down, CHECK_BATCH):
            replies = self.escalation_replies(row.body)
            if await self._db(self.queue.checked_while_down, row, replies) and replies:
                logger.warning(
                    "SMS from %s: %s escalation reply queued while the conversation store is down",
                    sender_id(row.number_hash),
                    replies[0].level,
                )
                self._outbox_wake.set()

    # ---- outbox -----------------------------------------------------------------------

    async def _outbox_round(self) -> None:
        free = SEND_CONCURRENCY - len(self._sending)
        if free > 0:
            for row in await self._db(self.queue.claim_outbox, free):
                self._spawn(self._sending, row.id, self._send(row))

    async def _send(self, row: Outbound) -> None:
        label, what = sender_id(row.number_hash), _what(row)
        if row.kind == "reply" and await self._db(self.queue.is_opted_out, row.number_hash):
            await self._db(self.queue.finish_send, row.id, "withheld", None, False)
            logger.info("SMS %s to %s withheld: the number opted out", what, label)
            return
        if row.expires_at <= utcnow():
            await self._db(self.queue.finish_send, row.id, "expired", "expired before it could be sent", False)
            logger.error("SMS %s to %s NOT delivered: expired", what, label)
            return
        attempt: Attempt = await asyncio.get_running_loop().run_in_executor(
            self.send_executor, self.post_once, row.phone, row.body
        )
        tries = row.attempts + 1
        if attempt.delivered:
            await self._db(self.queue.finish_send, row.id, "sent")
            if tries > 1:
                logger.info("SMS %s to %s delivered on attempt %d", what, label, tries)
        elif not attempt.retryable:
            await self._db(self.queue.finish_send, row.id, "failed", attempt.detail)
            logger.error("SMS %s to %s NOT delivered: refused (%s)", what, label, attempt.detail)
        else:
            delay = min(self.send_backoff_cap, self.send_backoff * 2**row.attempts)
            if utcnow() + timedelta(seconds=delay) >= row.expires_at:
                await self._db(self.queue.finish_send, row.id, "expired", attempt.detail)
                logger.error("SMS %s to %s NOT delivered after %d attempts: %s", what, label, tries, attempt.detail)
            else:
                await self._db(self.queue.retry_send, row.id, delay, attempt.detail)
                logger.warning(
                    "SMS %s to %s: attempt %d failed (%s); next in %.0f s", what, label, tries, attempt.detail, delay
                )


def _what(row: Outbound) -> str:
    return f"{row.level} escalation reply" if row.level else row.kind
