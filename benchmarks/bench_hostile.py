"""Peak memory, time and output of the real commands on hostile inputs.

    python benchmarks/bench_hostile.py                      # this checkout's dailypapers
    python benchmarks/bench_hostile.py --only ints,trickle  # some cases
    python benchmarks/bench_hostile.py --dailypapers /path/to/other/.venv/bin/dailypapers
                                                            # another build (e.g. an older one)

Each case builds its input under benchmarks/out/hostile/ and runs the real command in
a subprocess with a fresh data folder (SQLite), reading the subprocess's peak RSS
from wait4 (the reader process it may start is included). A run is stopped after
--max-seconds and refused more than --max-memory-gib of address space, so an old
build that blows up ends as "stopped" instead of swapping the machine.

- ints:      `import` of a 52 MB JSON list of 26 million integers (no paper at all)
- long-line: `import` of a 1 MB .jsonl.gz whose second line unpacks to 1 GiB
- abstract:  `import` of a JSON list whose one entry has a 50 MB abstract
- long-text: `import` of an entry whose abstract is 5 MB (within the record limit,
             over the text limit: cut and reported)
- gzip-bomb: `sync hf` against a local server answering 2 MB of gzip (2 GiB unpacked)
- trickle:   `sync hf` against a local server sending one byte every 2 s, with
             DAILYPAPERS_SYNC_BUDGET=10

Target: every peak under 300 MiB, whatever the input's size; the trickle stopped at
its budget.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
import results

HOSTILE = _common.OUT_DIR / "hostile"
MiB = 1 << 20
DAY = "2026-04-07"
TARGET_PEAK_MIB = 300.0


@dataclass
class Outcome:
    case: str
    exit: str
    seconds: float
    peak_mib: float
    stderr_bytes: int
    stderr_lines: int
    note: str = ""


def _entry(arxiv_id: str, **paper: Any) -> dict[str, Any]:
    return {
        "paper": {
            "id": arxiv_id,
            "title": f"Paper {arxiv_id}",
            "summary": "An abstract.",
            "authors": [{"name": "Ada Lovelace"}],
            "publishedAt": "2026-04-06T00:00:00.000Z",
            "submittedOnDailyAt": "2026-04-07T01:00:00.000Z",
            **paper,
        }
    }


# -- inputs ------------------------------------------------------------------------------


def build_ints() -> Path:
    path = HOSTILE / "ints.json"
    if not path.exists():
        block = ",".join(str(n % 10) for n in range(1_000_000)).encode()
        with path.open("wb") as out:
            out.write(b"[")
            for i in range(26):
                out.write((b"," if i else b"") + block)
            out.write(b"]")
    return path


def build_long_line() -> Path:
    path = HOSTILE / "long-line.jsonl.gz"
    if not path.exists():
        with gzip.open(path, "wb", compresslevel=9) as out:
            out.write(json.dumps(_entry("2604.00001")).encode() + b"\n")
            out.write(b'{"paper": {"id": "2604.00002", "title": "')
            block = b"a" * MiB
            for _ in range(1024):
                out.write(block)
            out.write(b'"}}\n')
            out.write(json.dumps(_entry("2604.00003")).encode() + b"\n")
    return path


def _with_abstract(name: str, size: int) -> Path:
    path = HOSTILE / name
    if not path.exists():
        big = json.dumps([_entry("2604.00001", summary="word " * (size // 5))])
        path.write_text(big[:-1] + ", " + json.dumps(_entry("2604.00002")) + "]")
    return path


def gzip_bomb(unpacked: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * MiB
    parts = [packer.compress(block) for _ in range(unpacked // MiB)]
    parts.append(packer.flush())
    return b"".join(parts)


# -- a local upstream ------------------------------------------------------------------------


@contextmanager
def upstream(answer: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            with contextlib.suppress(OSError):  # the client hung up
                answer(self)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def bomb_answer(body: bytes) -> Callable[[BaseHTTPRequestHandler], None]:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def trickle_answer(handler: BaseHTTPRequestHandler) -> None:
    body = json.dumps([_entry("2604.00001")]).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    for byte in body:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(2)


# -- running ---------------------------------------------------------------------------------


def run(
    case: str, argv: list[str], env: dict[str, str], max_seconds: float, max_gib: float
) -> Outcome:
    """Run ``argv``; its peak RSS from wait4, stopped after ``max_seconds``."""
    limit = int(max_gib * (1 << 30))

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    with tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=err, env=env, preexec_fn=cap
        )
        stopped = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > max_seconds:
                proc.kill()
                stopped = True
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = 0
        size = 0
        for line in err:
            lines += 1
            size += len(line)
        err.seek(0)
        tail = err.read()[-4000:].decode(errors="replace")
    shown = f"stopped at {max_seconds:g}s" if stopped else str(proc.returncode)
    if "MemoryError" in tail:
        shown += " (MemoryError)"
    return Outcome(case, shown, seconds, usage.ru_maxrss / 1024, size, lines)


def env_for(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_") or k == "PATH"}
    env.update(
        DAILYPAPERS_DATA_DIR=str(data),
        DAILYPAPERS_SYNC_CONTACT="bench@example.org",
        DAILYPAPERS_SYNC_HF_INTERVAL="0",
        DAILYPAPERS_SYNC_BACKOFF="0.1",
        **extra,
    )
    return env


def fresh(command: str, case: str) -> Path:
    data = HOSTILE / f"data-{case}"
    subprocess.run(["rm", "-rf", str(data)], check=True)
    data.mkdir(parents=True)
    # Migrate first, so the measured run is the command itself.
    subprocess.run(
        [command, "--data-dir", str(data), "migrate", "-v", "0"],
        check=True,
        env=env_for(data),
        stdout=subprocess.DEVNULL,
    )
    return data


def stored_abstract(data: Path) -> str:
    import sqlite3

    with sqlite3.connect(data / "dailypapers.sqlite3") as db:
        row = db.execute(
            "select length(abstract) from papers_paper where arxiv_id = '2604.00001'"
        ).fetchone()
    return f"stored abstract: {row[0]:,} characters" if row else "paper not stored"


def _code_of(command: str) -> str:
    """The commit of the checkout whose .venv holds ``command`` ("?" when unknown)."""
    checkout = Path(command).resolve().parent.parent.parent
    found = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() or "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dailypapers", default=None, help="the command to measure")
    parser.add_argument("--only", default="", help="comma-separated cases")
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--max-memory-gib", type=float, default=4.0)
    args = parser.parse_args()
    command = args.dailypapers or _common.dailypapers_bin()
    HOSTILE.mkdir(parents=True, exist_ok=True)
    started = _common.print_machine()
    code = _code_of(command)
    print(f"  command   {command} (code {code})\n")
    cases = ["ints", "long-line", "abstract", "long-text", "gzip-bomb", "trickle"]
    chosen = [c for c in cases if not args.only or c in args.only.split(",")]
    outcomes: list[Outcome] = []
    limits = (args.max_seconds, args.max_memory_gib)
    for case in chosen:
        data = fresh(command, case)
        base = [command, "--data-dir", str(data)]
        if case in ("ints", "long-line", "abstract", "long-text"):
            builders: dict[str, Callable[[], Path]] = {
                "ints": build_ints,
                "long-line": build_long_line,
                "abstract": lambda: _with_abstract("abstract.json", 50 * MiB),
                "long-text": lambda: _with_abstract("long-text.json", 5 * MiB),
            }
            path = builders[case]()
            outcome = run(
                case, [*base, "import", str(path), "--no-progress"], env_for(data), *limits
            )
            outcome.note = f"input {path.stat().st_size / MiB:.1f} MiB on disk"
            if case in ("abstract", "long-text"):
                outcome.note += "; " + stored_abstract(data)
        else:
            answer = bomb_answer(gzip_bomb(2048 * MiB)) if case == "gzip-bomb" else trickle_answer
            with upstream(answer) as url:
                env = env_for(data, DAILYPAPERS_HF_API_URL=url)
                if case == "trickle":
                    env["DAILYPAPERS_SYNC_BUDGET"] = "10"
                outcome = run(
                    case, [*base, "sync", "hf", "--since", DAY, "--until", DAY], env, *limits
                )
        outcomes.append(outcome)
        print(
            f"{outcome.case:<10} exit {outcome.exit:<14} {outcome.seconds:7.1f} s  "
            f"peak {outcome.peak_mib:8.1f} MiB  stderr {outcome.stderr_lines:,} lines "
            f"({outcome.stderr_bytes:,} bytes)  {outcome.note}",
            flush=True,
        )
    worst = max((o.peak_mib for o in outcomes), default=0.0)
    verdict = "within" if worst <= TARGET_PEAK_MIB else "OVER"
    print(f"\nworst peak {worst:.1f} MiB: {verdict} the {TARGET_PEAK_MIB:g} MiB target")
    _common.save_json(
        _common.result_path("hostile"),
        {
            "machine": _common.machine(),
            "command": command,
            "outcomes": [o.__dict__ for o in outcomes],
        },
    )
    rows = [
        [
            o.case,
            f"exit {o.exit} in {o.seconds:.1f} s, {o.peak_mib:.0f} MiB, "
            f"{o.stderr_lines:,} lines on stderr" + (f"; {o.note}" if o.note else ""),
        ]
        for o in outcomes
    ]
    results.write(
        "hostile" + ("-partial" if args.only or args.dailypapers else ""),
        title="bench_hostile.py: hostile imports and upstreams, peak memory "
        f"(target: every peak under {TARGET_PEAK_MIB:g} MiB)",
        command=results.command_line(__file__, None),
        tables=[results.table(["case", "result"], rows)],
        started=started if not args.dailypapers else started | {"code": code},
        numbers=[o.__dict__ for o in outcomes],
    )


if __name__ == "__main__":
    main()
