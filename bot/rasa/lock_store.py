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
optimistic Redis transaction (WATCH/MULTI/EXEC) instead.
"""

import json
import logging
import os
from typing import Any, Callable, Optional, Text, Tuple, TypeVar
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

LOCK_STORE_ENV = "LOCK_STORE_URL"
WORKERS_ENV = "SANIC_WORKERS"

T = TypeVar("T")


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


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's RedisLockStore with each change of a lock done in one Redis transaction."""

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

    def _change(
        self, conversation_id: Text, change: Callable[[Optional[TicketLock]], Tuple[T, Optional[TicketLock], bool]]
    ) -> T:
        """Run `change` on the stored lock atomically.

        `change(lock)` returns (result, new lock, write); with write, the new lock
        is stored, or the key deleted when the new lock is None. Retried when
        another process changed the lock in between.
        """
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    result, new_lock, write = change(lock)
                    pipe.multi()
                    if write and new_lock is None:
                        pipe.delete(key)
                    elif write and new_lock is not None:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: Optional[TicketLock]) -> Tuple[int, TicketLock, bool]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock, True

        try:
            return self._change(conversation_id, change)
        except Exception as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: Text) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[None, Optional[TicketLock], bool]:
            if lock is None:
                return None, None, False
            lock.remove_expired_tickets()
            return None, lock, True

        self._change(conversation_id, change)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[None, Optional[TicketLock], bool]:
            if lock is None:
                return None, None, False
            lock.remove_ticket_for(ticket_number)
            return None, lock, True

        self._change(conversation_id, change)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove the ticket, and the lock when nobody else holds a ticket: one step."""

        def change(lock: Optional[TicketLock]) -> Tuple[None, Optional[TicketLock], bool]:
            if lock is None:
                return None, None, False
            lock.remove_ticket_for(ticket_number)
            return None, (lock if lock.is_someone_waiting() else None), True

        self._change(conversation_id, change)


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
        return InMemoryLockStore()
    store = AtomicRedisLockStore(url, key_prefix=key_prefix)
    store.check_connection()
    logger.info("Lock store: Redis at %s.", store.url)
    return store


class ConfiguredLockStore(LockStore):
    """What endpoints.yml names. Instantiating it returns the configured store instead.

    `ConfiguredLockStore(endpoint_config=...)` (Rasa's call) is an
    InMemoryLockStore or an AtomicRedisLockStore, never an instance of this
    class: Rasa then sees one of its own lock store types. endpoints.yml may set
    `key_prefix` (alphanumeric) to share one Redis database between assistants.
    """

    def __new__(cls, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> LockStore:
        key_prefix = (endpoint_config.kwargs.get("key_prefix") if endpoint_config else None) or kwargs.get("key_prefix")
        return create_lock_store(key_prefix=key_prefix)
