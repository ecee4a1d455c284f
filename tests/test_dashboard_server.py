"""
The dashboard's server listens on 127.0.0.1 unless told otherwise.

A socket bound to 127.0.0.1 refuses connections to 127.0.0.2 (another loopback address), so
the pair of checks shows which address the server bound, with no traffic off the machine.
"""

from __future__ import annotations

import socket
import urllib.request

import pytest

from tests.test_dashboard_browser import free_port, start_dashboard, stop, wait_for_http

pytestmark = pytest.mark.slow


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.mark.parametrize(
    ("flags", "listening", "closed"),
    [([], "127.0.0.1", "127.0.0.2"), (["--host", "127.0.0.2"], "127.0.0.2", "127.0.0.1")],
)
def test_binds_only_where_told(flags: list[str], listening: str, closed: str) -> None:
    port = free_port()
    proc = start_dashboard("--port", str(port), *flags)
    try:
        wait_for_http(f"http://{listening}:{port}/", proc)
        assert answers(listening, port)
        assert not answers(closed, port)
        with urllib.request.urlopen(f"http://{listening}:{port}/", timeout=10) as r:
            assert b"vendorsim" in r.read()
    finally:
        log = stop(proc)
    assert "Traceback" not in log, log
