"""The production shape on loopback: two Rasa server replicas sharing a Postgres
tracker store and app database and a Redis lock store, with one action server."""

from types import SimpleNamespace

import pytest

from bot.db.engine import connect
from tools.stack.servers import ActionServer, RasaServer, base_env


@pytest.fixture(scope="package")
def replicas(tmp_path_factory, postgres_service, redis_service):
    """SimpleNamespace(servers=[a, b], env, tracker_url, app_url): started in parallel."""
    workdir = tmp_path_factory.mktemp("replicas")
    tracker_url = postgres_service.create_database("replicas_tracker")
    app_url = postgres_service.create_database("replicas_app")
    # The app tables exist before the replicas start: bot.db.engine.connect() runs create_all
    # without handling a replica that creates the same table at the same moment
    # (DuplicateTable stops that replica's start), which is not what these tests are about.
    connect(app_url).dispose()
    env = base_env(
        workdir,
        {
            "TRACKER_STORE_URL": tracker_url,
            "APP_DATABASE_URL": app_url,
            "LOCK_STORE_URL": redis_service.url(),
        },
    )
    actions = ActionServer(workdir, env)
    servers = []
    try:
        for _ in range(2):
            servers.append(RasaServer(workdir, env, actions.url, wait=False))
        for server in servers:
            server.wait_ready()
        yield SimpleNamespace(
            servers=servers, env=env, tracker_url=tracker_url, app_url=app_url, actions=actions, workdir=workdir
        )
    finally:
        for server in servers:
            server.stop()
        actions.stop()
