"""bot.rasa.lock_store: the lock store chosen by LOCK_STORE_URL, and its Redis locks under contention."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.rasa.lock_store import AtomicRedisLockStore, ConfiguredLockStore, InMemoryTurnLockStore, LockStoreConfigError


def configured(monkeypatch, **env) -> LockStore:
    for name in ("LOCK_STORE_URL", "SANIC_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # As Rasa 3.6 builds a custom lock store (rasa/core/lock_store.py).
    return LockStore.create(EndpointConfig(type="bot.rasa.lock_store.ConfiguredLockStore"))


def test_in_memory_without_lock_store_url(monkeypatch):
    assert type(configured(monkeypatch)) is InMemoryTurnLockStore
    assert type(configured(monkeypatch, SANIC_WORKERS="1")) is InMemoryTurnLockStore


def test_several_workers_need_redis(monkeypatch):
    with pytest.raises(LockStoreConfigError, match="SANIC_WORKERS=3 needs a shared lock store"):
        configured(monkeypatch, SANIC_WORKERS="3")


def test_redis_from_the_url(monkeypatch, redis_service):
    store = configured(monkeypatch, LOCK_STORE_URL=redis_service.url(), SANIC_WORKERS="2")
    assert isinstance(store, AtomicRedisLockStore)
    assert not isinstance(store, ConfiguredLockStore)


def test_url_parts_and_hidden_password():
    store = AtomicRedisLockStore("rediss://user:p%40ss@cache.internal:6380/4", key_prefix="pump")
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("cache.internal", 6380, 4)
    assert (kwargs["username"], kwargs["password"]) == ("user", "p@ss")
    assert store.red.connection_pool.connection_class.__name__ == "SSLConnection"
    assert store.url == "rediss://user:***@cache.internal:6380/4"
    assert store.key_prefix == "pump:lock:"
    with pytest.raises(LockStoreConfigError, match="must look like redis://"):
        AtomicRedisLockStore("http://cache.internal:6379")


def test_tickets_stay_unique_when_replicas_queue_at_once(redis_service):
    """Four "replicas" (own clients) take 50 tickets each for one conversation at the same time."""
    url = redis_service.url()
    stores = [AtomicRedisLockStore(url) for _ in range(4)]

    def take(store):
        return [store.issue_ticket("busy-conversation", lock_lifetime=60) for _ in range(50)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        tickets = [t for batch in pool.map(take, stores) for t in batch]
    lock = stores[0].get_lock("busy-conversation")
    print(
        f"\n[lock] {len(tickets)} tickets taken at once from 4 clients: {len(set(tickets))} distinct, "
        f"{len(lock.tickets)} queued"
    )
    assert sorted(tickets) == list(range(200))
    assert len(lock.tickets) == 200

    # Served and cleaned up in any order by any client: the lock goes once nobody waits.
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda t: stores[t % 4].cleanup("busy-conversation", t), tickets))
    assert stores[0].get_lock("busy-conversation") is None
