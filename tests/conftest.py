import pytest

from tests.sms.provider import ProviderStandIn
from tools.stack.servers import rasa_stack
from tools.stack.services import postgres_server, redis_server


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The trained bot served over REST on loopback, with its action server."""
    with rasa_stack(tmp_path_factory.mktemp("stack")) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_service():
    """A throwaway Postgres cluster on a free loopback port (create_database() per test module)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis_service():
    """A throwaway redis-server on a free loopback port (url() hands out a fresh db number)."""
    with redis_server() as server:
        yield server


@pytest.fixture(scope="module")
def provider():
    """A real local HTTP server standing in for the SMS provider's Messages API."""
    stand_in = ProviderStandIn()
    yield stand_in
    stand_in.stop()


# Tests that need the trained model, servers (Rasa, Postgres, Redis) or a browser are
# marked `stack`; `make test-fast` runs the rest (`pytest -m "not stack"`).
STACK_DIRS = {"integration", "reliability", "web", "nlu", "stories"}
STACK_FILES = {"test_sms_stack.py", "test_bad_input.py"}
STACK_FIXTURES = {
    "stack",
    "stack_without_actions",
    "web_stack",
    "replicas",
    "postgres_service",
    "redis_service",
    "e2e_outcomes",
    "understanding_outcomes",
    "language_outcomes",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.path
        if (
            path.parent.name in STACK_DIRS
            or path.name in STACK_FILES
            or STACK_FIXTURES & set(getattr(item, "fixturenames", ()))
        ):
            item.add_marker(pytest.mark.stack)
