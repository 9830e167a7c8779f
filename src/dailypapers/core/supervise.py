"""The background worker as a supervised child of ``dailypapers serve``.

One command starts the whole hub: the web server and, beside it, ``dailypapers worker``
in its own process, under a small supervisor process. The supervisor restarts the worker
when it dies (waiting longer after each quick death, so a worker that cannot start does
not spin) and stops it when the server stops. Each process is told its parent's pid, so
when the server is killed outright the supervisor and then the worker stop too. The
worker's log lines go to the server's own output.

Two hubs on one data folder each start a worker; the jobs claim their work with
conditional updates, so no unit of work is done twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

# A worker that ran this long was healthy: its next death restarts it at once.
HEALTHY_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 60.0
STOP_GRACE_SECONDS = 20.0
PARENT_ENV = "DAILYPAPERS_WORKER_PARENT_PID"


def worker_command() -> list[str]:
    return [sys.executable, "-m", "dailypapers", "worker"]


def parent_gone() -> bool:
    """In a supervised worker: True once the server that started it has gone.

    A parent that exits without stopping its children (``kill -9``) leaves them to
    init, so the worker's parent pid changes; the worker then stops as if told to.
    """
    expected = os.environ.get(PARENT_ENV, "")
    return expected.isascii() and expected.isdigit() and os.getppid() != int(expected)


class Supervisor:
    """Keeps one worker process running until :meth:`request_stop` or the parent goes.

    It runs in a process of its own (``python -m dailypapers.core.supervise``), started by
    ``serve`` before the web server forks: a worker that were the web server's direct
    child would have its exit collected by the server's own child reaper, and a process
    started from a thread beside gunicorn's forks could wait forever on a pipe a forked
    web worker inherited.
    """

    def __init__(
        self,
        command: list[str] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        healthy_seconds: float = HEALTHY_SECONDS,
        max_backoff: float = MAX_BACKOFF_SECONDS,
        grace: float = STOP_GRACE_SECONDS,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.command = command or worker_command()
        self.env = dict(os.environ if env is None else env)
        self.healthy_seconds = healthy_seconds
        self.max_backoff = max_backoff
        self.grace = grace
        self.say = say or (lambda line: print(line, file=sys.stderr, flush=True))
        self.starts = 0
        self._stopping = False

    def request_stop(self, *_: object) -> None:
        self._stopping = True

    def _should_stop(self) -> bool:
        return self._stopping or parent_gone()

    def run(self) -> int:
        """Run (and rerun) the worker until asked to stop; the last worker's exit status."""
        backoff = 1.0
        code = 0
        while not self._should_stop():
            started = time.monotonic()
            env = {**self.env, PARENT_ENV: str(os.getpid())}
            proc = subprocess.Popen(self.command, env=env)
            self.starts += 1
            while proc.poll() is None and not self._should_stop():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(0.5)
            if proc.poll() is None:
                return self._stop(proc)
            code = proc.returncode
            ran = time.monotonic() - started
            backoff = 1.0 if ran >= self.healthy_seconds else min(backoff * 2, self.max_backoff)
            self.say(
                f"serve: the background worker exited ({_describe(code)}) after {ran:.0f}s;"
                f" restarting in {backoff:.0f}s"
            )
            deadline = time.monotonic() + backoff
            while time.monotonic() < deadline and not self._should_stop():
                time.sleep(0.1)
        return code

    def _stop(self, proc: subprocess.Popen[bytes]) -> int:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(self.grace)
        except subprocess.TimeoutExpired:
            self.say("serve: the background worker did not stop in time; killing it")
            proc.kill()
            return proc.wait()


def start(env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start the supervisor process for the calling server (``serve``)."""
    child_env = {**(os.environ if env is None else env), PARENT_ENV: str(os.getpid())}
    # Its own session: Ctrl-C at the terminal reaches the server, which then stops it.
    return subprocess.Popen(
        [sys.executable, "-m", "dailypapers.core.supervise"],
        env=child_env,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen[bytes], grace: float = STOP_GRACE_SECONDS + 5) -> None:
    """Stop the supervisor and so its worker; the server's own reaper may collect it."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(grace)
        return
    proc.kill()


def main() -> int:
    supervisor = Supervisor()
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    supervisor.run()
    return 0


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


if __name__ == "__main__":
    raise SystemExit(main())
