"""Ports on 127.0.0.1 for the servers a test starts, or for one that must find nothing there."""
import socket


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on now (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
