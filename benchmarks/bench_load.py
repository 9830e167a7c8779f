"""Throughput when the page cache does not help: a mixed anonymous load, closed loop.

    python benchmarks/bench_load.py                       # 20 and 200 clients, 30 s each
    python benchmarks/bench_load.py --clients 20 --duration 60

1. Makes (once) a data folder holding the real daily lists of /work/shared/data
   (``dailypapers import``, then the search index and, when the encoder can be built
   here, the embeddings); cached in benchmarks/out/load-data-hf/.
2. Starts the server as users do, ``dailypapers serve`` with its default web
   processes and threads (``--no-worker``: the background worker would only sleep,
   the data being complete, and the server builds the encoder it needs at start).
3. For each number of clients, every client sends one request, waits for the answer
   and sends the next (a closed loop, keep-alive connections), for --duration
   seconds after a warm-up. Each request is drawn from this mix:

   - 30% a day's list, 8% a week's, 4% a month's, on days that have papers;
   - 35% a random paper page (of every paper, so almost never cached);
   - 8% a search page and 5% the search API, with 2-3 words of a random title;
   - 10% the read API: a day's list or one paper.

   A list request carries a ``utm_source`` tag of its own, as links shared around do;
   the page cache keys on the whole address, so it is a miss like a paper page. A
   share of requests (--popular, 5%) asks for /papers and /papers/trending, which
   the cache does serve.

The page cache is emptied before each run, so that every run starts alike (a
paper page rendered in one run would otherwise be served from the cache in the next).

The client is asyncio in a few processes (no GIL shared by the connections); its
CPU use is printed next to the server's, since both share the machine. Prints
requests/s, p50/p90/p99/max latency, errors (5xx, resets, timeouts) and the server
CPU per request, and writes benchmarks/results/bench_load.json.

Then, with --per-kind SECONDS (default 8; 0 skips it), each kind of request alone at
20 clients: the server's CPU per request of a day's list, a paper page, a search...,
the figure to look at when making one of them cheaper.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import random
import sqlite3
import sys
import time
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
import bench_pages
import results as bench_results

TARGETS = {"requests/s": 250.0, "p99 ms": 250.0}
DATA_DIR = _common.OUT_DIR / "load-data-hf"
# As a browser asks: the hub compresses what it sends back.
REQUEST = "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: gzip\r\n\r\n"
MIX = (
    ("day", 30),
    ("week", 8),
    ("month", 4),
    ("paper", 35),
    ("search", 8),
    ("search-api", 5),
    ("api", 10),
)


@dataclass
class Run(bench_pages.Result):
    """One run of the mix; ``errors`` are 5xx answers, broken connections, timeouts."""

    clients: int = 0
    not_found: int = 0  # 4xx answers (a wrong path in the mix: should stay 0)
    # Within the mix: each kind's share of the answers, p50 and p99 (ms).
    by_kind: dict[str, tuple[float, float, float]] | None = None


def kind_of(path: str) -> str:
    """The kind of request a path of the mix is (``popular``: a cached page)."""
    if path.startswith("/api/papers/search"):
        return "search-api"
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/search"):
        return "search"
    for prefix, kind in (("/papers/date/", "day"), ("/papers/week/", "week"),
                         ("/papers/month/", "month")):  # fmt: skip
        if path.startswith(prefix):
            return kind
    return "popular" if path in ("/papers", "/papers/trending") else "paper"


# -- data -----------------------------------------------------------------------------


def _cli(*args: str) -> _common.RunResult:
    env = dict(os.environ, DAILYPAPERS_DATA_DIR=str(DATA_DIR), DAILYPAPERS_SYNC_SOURCES="none")
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    return _common.run_measured(
        [_common.dailypapers_bin(), "--data-dir", str(DATA_DIR), *args], env
    )


def ensure_data() -> Path:
    """The real daily lists imported and indexed; made once, reused while complete."""
    marker = DATA_DIR / "prepared"
    if marker.exists():
        print(f"Using cached data folder {DATA_DIR}")
        return DATA_DIR
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    steps = [
        ("migrate", ["migrate", "--verbosity", "0"]),
        ("import", ["import", str(_common.HF_DAILY), "--no-progress"]),
        ("search index", ["search", "reindex"]),
        ("encoder", ["search", "ensure-model"]),
        ("embeddings", ["search", "embed"]),
    ]
    for label, argv in steps:
        print(f"Preparing {DATA_DIR}: {label}...")
        sys.stdout.flush()
        done = _cli(*argv)
        if done.returncode not in (0, 1):
            sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
            raise SystemExit(f"{label} failed")
    marker.write_text("ok\n")
    return DATA_DIR


def mix_paths(
    data_dir: Path, rng: random.Random, n: int, mix: tuple[tuple[str, int], ...] = MIX
) -> list[tuple[str, str]]:
    """``n`` (kind, request path) drawn from ``mix`` over the folder's days and papers."""
    db = sqlite3.connect(f"file:{data_dir / 'dailypapers.sqlite3'}?mode=ro", uri=True)
    days = [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT substr(submitted_at, 1, 10) FROM papers_submission WHERE hidden = 0"
        )
    ]
    papers = [r[0] for r in db.execute("SELECT arxiv_id FROM papers_paper")]
    titles = [r[0] for r in db.execute("SELECT title FROM papers_paper")]
    db.close()
    if not days or not papers:
        raise SystemExit(f"no daily-list papers in {data_dir}")

    def words() -> str:
        found = [w for w in rng.choice(titles).split() if w.isalpha() and len(w) > 3]
        return urllib.parse.quote_plus(
            " ".join(rng.sample(found, min(len(found), rng.randint(2, 3))))
        )

    def tag() -> str:
        return f"utm_source=b{rng.randrange(1 << 30)}"

    def path(kind: str) -> str:
        day = dt.date.fromisoformat(rng.choice(days))
        if kind == "day":
            return f"/papers/date/{day}?{tag()}"
        if kind == "week":
            year, week, _ = day.isocalendar()
            return f"/papers/week/{year}-W{week:02d}?{tag()}"
        if kind == "month":
            return f"/papers/month/{day:%Y-%m}?{tag()}"
        if kind == "paper":
            return f"/papers/{rng.choice(papers)}"
        if kind == "search":
            return f"/search?q={words()}"
        if kind == "search-api":
            return f"/api/papers/search?limit=10&q={words()}"
        if rng.random() < 0.5:
            return f"/api/daily_papers?date={day}&{tag()}"
        return f"/api/papers/{rng.choice(papers)}"

    kinds = [k for k, _ in mix]
    weights = [w for _, w in mix]
    return [(k, path(k)) for k in rng.choices(kinds, weights, k=n)]


def clear_page_cache(data_dir: Path) -> None:
    """Empty the server's page cache (``core.sharedcache``), as after a restart."""
    path = data_dir / "page-cache.sqlite3"
    if not path.exists():
        return
    db = sqlite3.connect(path, timeout=10)
    try:
        db.execute("DELETE FROM cache")
        db.commit()
    except sqlite3.OperationalError:  # no table yet: nothing cached
        pass
    finally:
        db.close()


# -- the client -------------------------------------------------------------------------


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Status and whether the connection stays open, after reading the whole body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()
        return status, False
    return status, headers.get("connection", "").lower() != "close"


async def _client(
    port: int,
    paths: list[str],
    seed: int,
    start: float,
    stop: float,
    out: list[tuple[str, float]],
    bad: list[int],
) -> None:
    rng = random.Random(seed)
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while time.perf_counter() < stop:
        path = rng.choice(paths)
        began = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.open_connection("127.0.0.1", port)
            reader, writer = conn
            writer.write(REQUEST.format(path=path, port=port).encode())
            status, keep = await asyncio.wait_for(_read_response(reader), 30)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            status, keep = 599, False
        took = time.perf_counter() - began
        if not keep and conn is not None:
            conn[1].close()
            conn = None
        if began < start:  # warm-up
            continue
        if status >= 500:
            bad[0] += 1
        elif status >= 400:
            bad[1] += 1
        else:
            out.append((path, took))
    if conn is not None:
        conn[1].close()


def _process(
    args: tuple[int, list[str], int, int, float, float],
) -> tuple[list[tuple[str, float]], int, int, float]:
    """One client process: (path, latency) of each answer, errors, 4xx answers, and its
    own CPU seconds."""
    port, paths, clients, seed, warmup, seconds = args
    cpu = time.process_time()
    start = time.perf_counter() + warmup
    stop = start + seconds
    latencies: list[tuple[str, float]] = []
    bad = [0, 0]

    async def main() -> None:
        await asyncio.gather(
            *(_client(port, paths, seed + i, start, stop, latencies, bad) for i in range(clients))
        )

    asyncio.run(main())
    return latencies, bad[0], bad[1], time.process_time() - cpu


def load(server: bench_pages.Server, paths: list[str], clients: int, seconds: float,
         warmup: float, seed: int) -> Run:  # fmt: skip
    clear_page_cache(server.data_dir)
    processes = min(clients, max(1, min(4, os.cpu_count() or 1)))
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    jobs = [
        (server.port, paths, share, seed + 1000 * i, warmup, seconds)
        for i, share in enumerate(shares)
    ]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(processes) as pool:
        pending = pool.map_async(_process, jobs)
        time.sleep(warmup)
        server_before = server.cpu_seconds()
        parts = pending.get()
        server_cpu = server.cpu_seconds() - server_before
    cpu = sum(p[3] for p in parts)
    answered = [x for p in parts for x in p[0]]
    latencies = sorted(took for _, took in answered)
    grouped: dict[str, list[float]] = {}
    for path, took in answered:
        grouped.setdefault(kind_of(path), []).append(took)
    by_kind = {}
    for kind, times in sorted(grouped.items()):
        summary = _common.latency_summary(sorted(times))
        by_kind[kind] = (len(times) / len(answered), summary["p50_ms"], summary["p99_ms"])
    errors = sum(p[1] for p in parts)
    missing = sum(p[2] for p in parts)

    done = len(latencies) + errors + missing
    return Run(
        endpoint=f"{clients} clients",
        clients=clients,
        requests=len(latencies),
        seconds=seconds,
        **_common.latency_summary(latencies),
        errors=errors,
        not_found=missing,
        client_cpu=cpu / (warmup + seconds),
        server_cpu_ms=server_cpu / done * 1000 if done else 0.0,
        by_kind=by_kind,
    )


# -- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--popular", type=float, default=0.05, help="share of cached pages")
    parser.add_argument("--workers", type=int, help="passed to `dailypapers serve`")
    parser.add_argument("--threads", type=int, help="passed to `dailypapers serve`")
    parser.add_argument(
        "--per-kind",
        type=float,
        default=8.0,
        metavar="SECONDS",
        help="then each kind of request alone at 20 clients for this long (0: not)",
    )
    parser.add_argument(
        "--in-process",
        type=int,
        metavar="N",
        help="instead: N requests of each kind through the Django test client in this"
        " process, CPU per request (best of 3; no server, little noise from the machine)",
    )
    args = parser.parse_args(argv)

    started = _common.print_machine()
    data_dir = ensure_data()
    rng = random.Random(args.seed)
    if args.in_process:
        in_process(data_dir, args.in_process)
        return 0
    drawn = mix_paths(data_dir, rng, 20000)
    paths = [path for _, path in drawn]
    popular = round(len(paths) * args.popular / (1 - args.popular))
    paths += ["/papers", "/papers/trending"] * (popular // 2)
    server = bench_pages.start_server(data_dir, args)
    runs: list[Run] = []
    kinds: list[Run] = []
    try:
        print(
            f"Client: asyncio, keep-alive, closed loop; {args.duration:.0f} s per run after "
            f"{args.warmup:.0f} s warm-up; {len(paths)} paths, {args.popular:.0%} cached ones"
        )
        print(
            f"  {'clients':>7} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
            f"{'max ms':>7} {'requests':>8} {'errors':>6} {'4xx':>4} {'client CPU':>10} "
            f"{'server CPU/req':>14}"
        )
        for index, clients in enumerate(args.clients):
            run = load(server, paths, clients, args.duration, args.warmup, args.seed + index)
            runs.append(run)
            print(
                f"  {clients:>7} {run.rps:>7.0f} {run.p50_ms:>7.1f} {run.p90_ms:>7.1f} "
                f"{run.p99_ms:>7.1f} {run.max_ms:>7.0f} {run.requests:>8} {run.errors:>6} "
                f"{run.not_found:>4} {run.client_cpu:>9.0%} {run.server_cpu_ms:>11.1f} ms"
            )
            sys.stdout.flush()
        for run in runs:
            shown = ", ".join(
                f"{kind} {share:.0%} {p50:.0f}/{p99:.0f}"
                for kind, (share, p50, p99) in (run.by_kind or {}).items()
            )
            print(f"  {run.clients} clients, by kind (share, p50/p99 ms): {shown}")
        print(f"Server RSS after the run (master + workers): {server.rss_mib():.0f} MiB")
        if args.per_kind > 0:
            kinds = per_kind(server, data_dir, args.per_kind, args.seed)
    finally:
        server.stop()
    print("Targets:")
    for run in runs:
        if run.clients == 20:
            print(f"  20 clients: {run.rps:.0f} req/s (≥ {TARGETS['requests/s']:g}), "
                  f"p99 {run.p99_ms:.0f} ms (≤ {TARGETS['p99 ms']:g})")  # fmt: skip
        print(f"  {run.clients} clients: {run.errors} errors (0)")
    print(f"Machine at the end: {_common.machine()['load']}")
    write_results(args, argv, runs, kinds, started)
    return 0


def in_process(data_dir: Path, n: int) -> None:
    """CPU per request of each kind in this process (Django test client, gzip asked for,
    the page cache emptied first so that lists and paper pages are rendered)."""
    os.environ.update(DAILYPAPERS_DATA_DIR=str(data_dir), DAILYPAPERS_SYNC_SOURCES="none")
    os.environ.update(OPENBLAS_NUM_THREADS="1", DJANGO_SETTINGS_MODULE="dailypapers.settings")
    os.environ.pop("DAILYPAPERS_DATABASE_URL", None)
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip")
    print(f"In process, Django test client: CPU per request, best of 3 rounds of {n}")
    for kind, _ in MIX:
        paths = [path for _, path in mix_paths(data_dir, random.Random(1), 3 * n + 5, ((kind, 1),))]
        for path in paths[:5]:  # imports, connections, the search model
            client.get(path)
        rounds = []
        for round_ in range(3):
            clear_page_cache(data_dir)
            chosen = paths[5 + round_ * n : 5 + (round_ + 1) * n]
            cpu = time.process_time()
            for path in chosen:
                status = client.get(path).status_code
                if status != 200:
                    raise SystemExit(f"{path} answered {status}")
            rounds.append((time.process_time() - cpu) / len(chosen) * 1000)
        print(f"  {kind:>10} {min(rounds):6.2f} ms")
        sys.stdout.flush()


def per_kind(server: bench_pages.Server, data_dir: Path, seconds: float, seed: int) -> list[Run]:
    """Each kind of the mix alone, 20 clients: what one request of it costs the server.
    Each kind draws 20,000 paths of its own, so that a list's address (its tag) is
    seldom asked twice in a run, as in the mix."""
    print(f"Each kind alone, 20 clients, {seconds:.0f} s after a 2 s warm-up:")
    print(f"  {'kind':>10} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
          f"{'server CPU/req':>14}")  # fmt: skip
    found = []
    for kind, _ in MIX:
        paths = [path for _, path in mix_paths(data_dir, random.Random(seed), 20000, ((kind, 1),))]
        run = load(server, paths, 20, seconds, 2.0, seed)
        run.endpoint = kind
        found.append(run)
        print(f"  {kind:>10} {run.rps:>7.0f} {run.p50_ms:>7.1f} {run.p99_ms:>7.1f} "
              f"{run.errors:>6} {run.server_cpu_ms:>11.1f} ms")  # fmt: skip
        sys.stdout.flush()
    return found


def write_results(
    args: argparse.Namespace,
    argv: list[str] | None,
    runs: list[Run],
    kinds: list[Run],
    started: dict[str, str],
) -> None:
    default = args.clients == [20, 200] and not (args.workers or args.threads)
    columns = ["clients", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"]
    columns += ["client CPU (% of a core)", "server CPU per request (ms)"]
    rows = [
        [r.clients, round(r.rps), r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms, r.errors,
         round(r.client_cpu * 100), r.server_cpu_ms]
        for r in runs
    ]  # fmt: skip
    tables = [bench_results.table(columns, rows)]
    if kinds:
        by_kind = ["kind alone, 20 clients", "req/s", "p50 ms", "p99 ms", "errors"]
        by_kind += ["server CPU per request (ms)"]
        tables.append(
            bench_results.table(
                by_kind,
                [
                    [r.endpoint, round(r.rps), r.p50_ms, r.p99_ms, r.errors, r.server_cpu_ms]
                    for r in kinds
                ],
            )
        )
    bench_results.write(
        "bench_load" if default else "bench_load-partial",
        title=(
            "bench_load.py: mixed anonymous load, real daily lists (3,238 papers), mostly "
            "cache misses, closed loop (targets at 20 clients: ≥ 250 req/s, p99 ≤ 250 ms; "
            "0 errors at 200)"
        ),
        command=bench_results.command_line(__file__, argv),
        tables=tables,
        started=started,
        notes=(
            "Client and server share the machine; the client's CPU is in its column. "
            "Requests/s and latency depend on what else the machine runs (see the load "
            "average); the server's CPU per request does not. Mix: lists 42%, paper pages "
            "35%, search 13%, read API 10%, plus 5% cached pages. The page cache is emptied "
            "before each run."
        ),
        numbers=[asdict(r) | {"rps": r.rps} for r in runs + kinds],
    )


if __name__ == "__main__":
    raise SystemExit(main())
