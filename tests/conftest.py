import pytest

from tests.support.servers import rasa_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The trained bot served over REST on loopback, with its action server."""
    with rasa_stack(tmp_path_factory.mktemp("stack")) as server:
        yield server
