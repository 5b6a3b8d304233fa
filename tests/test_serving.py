"""Production serving: clients that stall half way through a request do not make anyone
else wait (SPEC §8). gunicorn runs with the production config on a free loopback port.
Slow: a few seconds (gunicorn starts and loads Django).
"""

import socket
import time

import pytest

from insights.bench.resilience import Gunicorn

pytestmark = pytest.mark.slow


def _get(port: int, path: str, timeout: float) -> tuple[int, float]:
    """(status, seconds) of a plain GET on a new connection."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        status_line = conn.makefile("rb").readline()
    return int(status_line.split()[1]), time.monotonic() - started


@pytest.fixture
def gunicorn_port(tmp_path):
    server = Gunicorn(None, tmp_path / "gunicorn.log")
    try:
        yield server.port
    finally:
        server.stop()


def _stall(port: int) -> socket.socket:
    """A POST that declares 1000 bytes of body and sends 14, then waits."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn.sendall(
        b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
        b"username=stall"
    )
    return conn


def test_two_stalled_uploads_do_not_hold_up_the_login_page(gunicorn_port):
    stalled = [_stall(gunicorn_port) for _ in range(2)]
    try:
        time.sleep(0.5)  # both are being read by the workers now
        timings = [_get(gunicorn_port, "/accounts/login/", timeout=5) for _ in range(5)]
    finally:
        for conn in stalled:
            conn.close()
    assert all(status == 200 for status, _ in timings), timings
    assert max(seconds for _, seconds in timings) < 1.0, timings
