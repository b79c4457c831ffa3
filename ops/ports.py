"""A free TCP port on the loopback interface, for local servers in benchmarks and tests."""

import socket


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it; a race with another process is possible
    but harmless for local benchmarks and tests, which fail loudly if the bind then fails)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
