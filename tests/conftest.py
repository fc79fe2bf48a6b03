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
