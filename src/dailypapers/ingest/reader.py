"""Parse import files in a separate process while this one writes to the database.

Parsing (JSON, cleanup, ids, links) costs about as much CPU as the database writes,
so on a machine with a spare core a large import runs both at once: a worker
process started with ``python -m dailypapers.ingest.reader`` reads the files and
streams the parsed items back in order; the importing process only writes.

The worker holds no database connection and commits nothing, so killing either
process loses nothing that was reported as imported. It gets the file list on
stdin and writes to stdout, and it ends by itself when the importer goes away: its
next write then fails on the closed pipe.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from dailypapers.ingest.formats import Item, read_file

# Items per message: large enough that pickling overhead is small, small enough
# that the importer never waits long for the first batch.
_CHUNK = 256
# Linux lets a pipe hold more than the default 64 KiB; a bigger buffer lets the
# worker run further ahead of the writer.
_PIPE_SIZE = 1 << 20
# Messages (chunks) received ahead of the importer at most.
_AHEAD = 64


@dataclass
class Chunk:
    """Items of one file, in order; ``end_of_file`` after its last items."""

    items: list[Item]
    nbytes: int
    end_of_file: bool = False


class _Chunks:
    """Groups the items of one file into chunks, counting the bytes read for each."""

    def __init__(self) -> None:
        self.current = Chunk([], 0)

    def count(self, nbytes: int) -> None:
        self.current.nbytes += nbytes

    def read(self, path: Path) -> Iterator[Chunk]:
        for item in read_file(path, self.count):
            self.current.items.append(item)
            if len(self.current.items) >= _CHUNK:
                full, self.current = self.current, Chunk([], 0)
                yield full
        self.current.end_of_file = True
        full, self.current = self.current, Chunk([], 0)
        yield full


def fewer_collections() -> None:
    """Run the cycle collector less often while records are made by the hundred thousand.

    Parsing allocates containers fast but makes no reference cycles that matter, so
    the collector's default pace (every 700 allocations) only costs time: about a
    fifth of the reading.
    """
    gc.set_threshold(50_000, 20, 20)


def _send(message: object, out: IO[bytes]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(8, "big"))
    out.write(data)


def _stream(paths: list[Path], out: IO[bytes]) -> None:
    fewer_collections()
    chunks = _Chunks()
    for path in paths:
        for chunk in chunks.read(path):
            _send(chunk, out)
    out.flush()


def serve() -> int:
    """The worker: file paths from stdin, chunks of items to stdout."""
    try:
        # Both ends of the pipe are this program; nothing else writes to it.
        paths = [Path(p) for p in pickle.load(sys.stdin.buffer)]  # noqa: S301
        _stream(paths, sys.stdout.buffer)
    except (BrokenPipeError, EOFError):
        # The importer is gone; say nothing more on the closed pipe, also not at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # reported to the importer, which raises it
        _send(RuntimeError(f"reading failed: {exc!r}"), sys.stdout.buffer)
        sys.stdout.flush()
        return 1
    return 0


def _grow_pipe(stream: IO[bytes]) -> None:
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
    except (ImportError, AttributeError, OSError):
        pass  # a smaller pipe only means less read-ahead


def _receive(stream: IO[bytes], messages: queue.Queue[bytes | None]) -> None:
    """Move whole messages from the pipe to the queue; None at the end.

    Waiting on the pipe happens in this thread without the interpreter lock, so
    the worker is never held up by a full pipe while the importer is writing.
    """
    try:
        while True:
            head = stream.read(8)
            if len(head) < 8:
                break
            size = int.from_bytes(head, "big")
            data = stream.read(size)
            if len(data) < size:
                break
            messages.put(data)
    except (OSError, ValueError):
        pass  # the pipe was closed because the import ended
    finally:
        messages.put(None)


def read_in_worker(paths: list[Path]) -> Iterator[Chunk]:
    """The items of ``paths``, in order, parsed by a worker process."""
    env = dict(os.environ)
    # The worker must import this very code, wherever it was imported from here.
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    process = subprocess.Popen(
        [sys.executable, "-m", "dailypapers.ingest.reader"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    messages: queue.Queue[bytes | None] = queue.Queue(maxsize=_AHEAD)
    receiver = threading.Thread(
        target=_receive, args=(process.stdout, messages), name="import-reader", daemon=True
    )
    try:
        _grow_pipe(process.stdout)
        pickle.dump([str(p) for p in paths], process.stdin)
        process.stdin.close()
        receiver.start()
        remaining = len(paths)
        while remaining:
            data = messages.get()
            if data is None:
                raise RuntimeError("the reader process ended before reading every file")
            got: Any = pickle.loads(data)  # noqa: S301 - from our own worker
            if isinstance(got, BaseException):
                raise got
            if got.end_of_file:
                remaining -= 1
            yield got
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        # Unblock the receiver if the queue is full, then let it see the closed pipe.
        while receiver.is_alive():
            with contextlib.suppress(queue.Empty):
                messages.get(timeout=0.1)
        process.stdout.close()


def read_here(paths: list[Path]) -> Iterator[Chunk]:
    """The same stream as ``read_in_worker``, parsed in this process."""
    chunks = _Chunks()
    for path in paths:
        yield from chunks.read(path)


if __name__ == "__main__":
    # Run the imported module, not this __main__ copy, so that pickled classes carry
    # the names the importer knows them by.
    from dailypapers.ingest import reader

    raise SystemExit(reader.serve())
