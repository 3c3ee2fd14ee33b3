from tests.agent.conftest import login  # noqa: F401 - the signed-in client fixture
