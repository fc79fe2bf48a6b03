"""The lock store, chosen by the environment: Redis for replicas and workers, else in memory.

Rasa serialises the messages of one conversation with a ticket lock from the
lock store. One process can keep those locks in memory; several Rasa server
replicas, or one server with SANIC_WORKERS > 1, must share them, which is what
LOCK_STORE_URL (redis://[:password@]host[:port][/db], rediss:// for TLS) is for.

endpoints.yml names `bot.rasa.lock_store.ConfiguredLockStore`; Rasa 3.6 builds
custom lock stores with `ConfiguredLockStore(endpoint_config=...)`, and that
call returns the store the environment selects. The start fails loudly when
Redis cannot be reached, or when SANIC_WORKERS > 1 without LOCK_STORE_URL
(Rasa itself would then run every worker with its own in-memory locks, since
it cannot tell what a custom lock store does).

Rasa's RedisLockStore changes a lock with separate GET and SET calls, so two
replicas can issue the same ticket or delete a lock another replica just
queued on. The Redis store here makes every read-modify-write of a lock one
Lua script, which Redis runs atomically: one round trip per change (an
optimistic WATCH/MULTI/EXEC transaction took three, and Rasa's lock calls
block the server's event loop while they wait).

Both stores let a message take its ticket before it reaches Rasa
(`reserve_ticket`): bot/channels/escalation_first.py answers an escalation at
once and passes the message to Rasa a moment later, and the message must keep
its place in the queue meanwhile, even against a replica that reads the
family's next message sooner.
"""

import logging
import os
import time
from contextvars import ContextVar
from typing import Any, Optional, Text, cast
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

LOCK_STORE_ENV = "LOCK_STORE_URL"
WORKERS_ENV = "SANIC_WORKERS"


class LockStoreConfigError(RasaException):
    """The lock store cannot be used as configured (unreachable Redis, workers without Redis)."""


def lock_store_url() -> Optional[str]:
    return os.environ.get(LOCK_STORE_ENV) or None


def sanic_workers() -> int:
    try:
        return int(os.environ.get(WORKERS_ENV) or 1)
    except ValueError:
        return 1  # Rasa also falls back to one worker for a value it cannot read


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


class ReservedTicket:
    """A ticket taken early; `with` it around the call into Rasa, which then uses it.

    Leaving the block returns the ticket if Rasa never asked for it (the message
    failed before its turn), so the conversation is not held until it expires.
    """

    def __init__(self, store: LockStore, conversation_id: Text, number: int) -> None:
        self.store, self.conversation_id, self.number = store, conversation_id, number
        self.taken = False

    def __enter__(self) -> "ReservedTicket":
        self._token = _RESERVED.set(self)
        return self

    def __exit__(self, *_: Any) -> None:
        _RESERVED.reset(self._token)
        if not self.taken:
            self.store.cleanup(self.conversation_id, self.number)


# The reservation of the message being handled in this task (contextvars follow asyncio tasks).
_RESERVED: ContextVar[Optional[ReservedTicket]] = ContextVar("reserved_ticket", default=None)


class ReservableTickets:
    """Mixin for a lock store: Rasa's `lock()` takes a reserved ticket instead of a new one."""

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        reserved = _RESERVED.get()
        if reserved is not None and not reserved.taken and reserved.conversation_id == conversation_id:
            reserved.taken = True
            return reserved.number
        return self.new_ticket(conversation_id, lock_lifetime)

    def new_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return super().issue_ticket(conversation_id, lock_lifetime)  # type: ignore[misc]

    def reserve_ticket(self, conversation_id: Text) -> ReservedTicket:
        # The mixin is only ever combined with a LockStore (the classes below).
        return ReservedTicket(cast(LockStore, self), conversation_id, self.new_ticket(conversation_id))


class InMemoryTurnLockStore(ReservableTickets, InMemoryLockStore):
    """Rasa's in-memory lock store, with tickets a message can reserve."""


class AtomicRedisLockStore(ReservableTickets, RedisLockStore):
    """Rasa's RedisLockStore with each change of a lock done in one atomic Redis script."""

    def __init__(self, url: str, key_prefix: Optional[Text] = None, **kwargs: Any) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise LockStoreConfigError(
                f"{LOCK_STORE_ENV} must look like redis://host:6379/0 (got {_hide_password(url)!r})"
            )
        db = parts.path.strip("/") or "0"
        super().__init__(
            host=parts.hostname,
            port=parts.port or 6379,
            db=int(db),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_ssl=parts.scheme == "rediss",
            key_prefix=key_prefix,
            **kwargs,
        )
        self.url = _hide_password(url)

    def check_connection(self) -> None:
        import redis

        try:
            self.red.ping()
        except redis.exceptions.RedisError as exc:
            raise LockStoreConfigError(
                f"cannot use the lock store at {self.url} ({LOCK_STORE_ENV}): " f"{exc.__class__.__name__}: {exc}"
            ) from exc

    # One round trip per change of a lock: Redis runs the script atomically. A lock is
    # stored as Rasa writes it (TicketLock.dumps: tickets are JSON strings inside JSON),
    # and every change first drops expired tickets, as TicketLock does. ARGV: the
    # change (issue, update, finish, cleanup), the client's time (Rasa's tickets use
    # it), the lifetime of a new ticket, the conversation id, a ticket number.
    _SCRIPT = """
local raw = redis.call('GET', KEYS[1])
local op, now = ARGV[1], tonumber(ARGV[2])
if not raw and op ~= 'issue' then return nil end
local conversation_id, tickets = ARGV[4], {}
if raw then
  local lock = cjson.decode(raw)
  if type(lock.conversation_id) == 'string' then conversation_id = lock.conversation_id end
  if type(lock.tickets) == 'table' then
    for _, text in ipairs(lock.tickets) do
      local ticket = cjson.decode(text)
      if not (now > ticket.expires) then table.insert(tickets, ticket) end
    end
  end
end
local result = nil
if op == 'issue' then
  local last = -1
  if #tickets > 0 then last = tickets[#tickets].number end
  result = last + 1
  table.insert(tickets, {number = result, expires = now + tonumber(ARGV[3])})
elseif op == 'finish' or op == 'cleanup' then
  local wanted = tonumber(ARGV[5])
  for i, ticket in ipairs(tickets) do
    if ticket.number == wanted then table.remove(tickets, i) break end
  end
  if op == 'cleanup' and #tickets == 0 then
    redis.call('DEL', KEYS[1])
    return nil
  end
end
local texts = {}
for i, ticket in ipairs(tickets) do
  texts[i] = cjson.encode({number = ticket.number, expires = ticket.expires})
end
local lock = {conversation_id = conversation_id, tickets = texts}
redis.call('SET', KEYS[1], cjson.encode(lock))
return result
"""

    def _change(self, op: Text, conversation_id: Text, lifetime: float = 0.0, ticket_number: int = -1) -> Any:
        """Change the stored lock in one atomic script call (see _SCRIPT)."""
        script = self.__dict__.get("_script")
        if script is None:
            script = self._script = self.red.register_script(self._SCRIPT)
        key = self.key_prefix + conversation_id
        return script(keys=[key], args=[op, repr(time.time()), repr(float(lifetime)), conversation_id, ticket_number])

    def new_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return int(self._change("issue", conversation_id, lifetime=lock_lifetime))
        except Exception as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: Text) -> None:
        self._change("update", conversation_id)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._change("finish", conversation_id, ticket_number=ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove the ticket, and the lock when nobody else holds a ticket: one step."""
        self._change("cleanup", conversation_id, ticket_number=ticket_number)


def create_lock_store(key_prefix: Optional[Text] = None) -> LockStore:
    """The lock store LOCK_STORE_URL selects, checked; raises LockStoreConfigError."""
    url = lock_store_url()
    if url is None:
        workers = sanic_workers()
        if workers > 1:
            raise LockStoreConfigError(
                f"{WORKERS_ENV}={workers} needs a shared lock store: set {LOCK_STORE_ENV}=redis://host:6379/0 "
                f"(with in-memory locks two workers could answer one conversation at once)"
            )
        logger.info("Lock store: in memory (one Rasa process; set %s for replicas or workers).", LOCK_STORE_ENV)
        return InMemoryTurnLockStore()
    store = AtomicRedisLockStore(url, key_prefix=key_prefix)
    store.check_connection()
    logger.info("Lock store: Redis at %s.", store.url)
    return store


class ConfiguredLockStore(LockStore):
    """What endpoints.yml names. Instantiating it returns the configured store instead.

    `ConfiguredLockStore(endpoint_config=...)` (Rasa's call) is an
    InMemoryTurnLockStore or an AtomicRedisLockStore, never an instance of this
    class: Rasa then sees subclasses of its own lock store types. endpoints.yml may set
    `key_prefix` (alphanumeric) to share one Redis database between assistants.
    """

    def __new__(cls, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> LockStore:
        key_prefix = (endpoint_config.kwargs.get("key_prefix") if endpoint_config else None) or kwargs.get("key_prefix")
        return create_lock_store(key_prefix=key_prefix)
