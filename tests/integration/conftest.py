"""Fixtures for the integration tests of the poller: one local HTTP server per module."""

import pytest

from tests.integration.poll_support import start_server


@pytest.fixture(scope="module")
def running_server():
    s = start_server()
    yield s
    s.stop()


@pytest.fixture()
def server(running_server):
    """The module's HTTP server on 127.0.0.1, its expectations cleared after each test."""
    yield running_server
    running_server.clear()
