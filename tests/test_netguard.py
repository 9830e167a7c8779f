"""The suite cannot reach the internet, in its own process or in the ones it starts."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.support.hub import clean_env

PROBE = """
import socket
try:
    socket.create_connection(("192.0.2.1", 80), timeout=2)
except ConnectionRefusedError as exc:
    print("blocked:", exc)
"""


def test_a_connection_to_the_internet_fails_at_once() -> None:
    with pytest.raises(ConnectionRefusedError, match="network access blocked"):
        socket.create_connection(("192.0.2.1", 80), timeout=2)


def test_loopback_still_connects() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=2):
            pass


def test_a_started_python_process_is_guarded_too() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "blocked: network access blocked" in done.stdout, done.stdout + done.stderr
