"""No test reaches the internet: every connection to a non-loopback address fails.

The suite's conftest installs this guard in its own process and puts this folder on
PYTHONPATH, so every Python process a test starts (servers, workers, importers) loads
it too through ``sitecustomize``. A blocked attempt raises ``NetworkBlocked`` (an
``OSError``, as a refused connection is) and is written to stderr, so code that
handles network errors still takes its error path and the test output shows who
tried.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Any

ENV = "DP_TEST_NETGUARD"  # not DAILYPAPERS_: test helpers pass those on selectively


class NetworkBlocked(ConnectionRefusedError):
    pass


def _local(address: Any) -> bool:
    if not isinstance(address, tuple):  # a Unix socket path
        return True
    host = str(address[0]).split("%", 1)[0]
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse(address: Any) -> NetworkBlocked:
    message = f"network access blocked in tests: connect to {address!r}"
    sys.stderr.write(f"[netguard] {message} (pid {os.getpid()})\n")
    return NetworkBlocked(message)


def install() -> None:
    if getattr(socket.socket, "_netguard", False):
        return
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address):
            raise _refuse(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address):
            raise _refuse(address)
        return real_connect_ex(self, address)

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        # Name lookups leave the machine too (and take seconds when they fail).
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not _local((name, 0)):
            raise _refuse(name)
        return real_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.socket._netguard = True  # type: ignore[attr-defined]


if os.environ.get(ENV) == "1":
    install()
