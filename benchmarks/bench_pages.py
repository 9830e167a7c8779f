"""Page speed of the real server under concurrent load.

    python benchmarks/bench_pages.py                    # 100k papers, 8 clients, 20 s each
    python benchmarks/bench_pages.py --papers 100000 --concurrency 8 --duration 20
    python benchmarks/bench_pages.py --workers 2 --threads 8   # try other server settings

1. Makes (once) a data folder holding the generated corpus: generate_corpus.py, then
   ``dailypapers import``; both are cached in benchmarks/out/.
2. Counts the SQL queries of each page in-process (must not grow with the data) and
   prints SQLite's plan for the daily-list query.
3. Starts the production server as users do, ``dailypapers --data-dir D serve
   --port P`` (gunicorn), waits until it answers, and drives it with ``wrk`` (keep-
   alive connections, C, one thread, so the client costs far less CPU than the
   server; its CPU use is printed). Without wrk, a multi-process Python client is used.
4. Per endpoint: requests/s and p50/p90/p99/max latency over --duration seconds,
   after a short warm-up; then all endpoints mixed.

Endpoints: the daily list for random days that have papers (/papers/date/D),
/papers (latest day), /papers/trending, random paper pages (/papers/ID), and
/api/daily_papers?date=D when the server has it (skipped on 404). With --search,
also /search?q=W and /api/papers/search?q=W for 300 queries of 3 words taken from
random titles (for a data folder whose search index is built, e.g. by
benchmarks/bench_search.py; set DAILYPAPERS_SEARCH_MODEL_DIR for search by meaning).
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
import results as bench_results

TARGETS = {
    "daily p50 ms": 25.0,
    "daily p99 ms": 100.0,
    "requests/s": 200.0,
    "logged-in daily p50 ms": 40.0,
}
LOGGED_IN = "daily list, logged in"

WRK_SCRIPT = r"""
-- Each request picks a random path from the file given after `--`.
local paths = {}
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(tonumber(args[2]))
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


@dataclass
class Result:
    endpoint: str
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    client_cpu: float  # share of one core the load generator used
    server_cpu_ms: float = 0.0  # server CPU time per request

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# -- data -----------------------------------------------------------------------------


def ensure_data(papers: int, seed: int) -> Path:
    """A data folder with the generated corpus imported; reused while the corpus matches."""
    import bench_import

    corpus = bench_import.ensure_corpus(papers, seed)
    manifest = json.loads((corpus / "corpus.manifest").read_text())
    data_dir = _common.OUT_DIR / f"pages-data-{corpus.name.removeprefix('corpus-')}"
    marker = data_dir / "imported.sha256"
    if marker.exists() and marker.read_text().strip() == manifest["sha256"]:
        print(f"Using cached data folder {data_dir}")
        return data_dir
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    print(f"Importing {corpus} into {data_dir} (cached for later runs)...")
    sys.stdout.flush()
    env = dict(os.environ, DAILYPAPERS_DATA_DIR=str(data_dir))
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    cli = _common.dailypapers_bin()
    result = _common.run_measured([cli, "import", str(corpus), "--no-progress"], env)
    if result.returncode not in (0, 1):
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit("import failed")
    print(f"  {result.stdout.strip()} ({result.seconds:.0f} s)")
    marker.write_text(manifest["sha256"] + "\n")
    return data_dir


def sample_targets(data_dir: Path, rng: random.Random) -> tuple[list[str], list[str]]:
    """Random days that have papers, and random arXiv ids, read straight from SQLite."""
    db = sqlite3.connect(f"file:{data_dir / 'dailypapers.sqlite3'}?mode=ro", uri=True)
    days = [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT substr(submitted_at, 1, 10) FROM papers_submission "
            "WHERE hidden = 0 ORDER BY 1"
        )
    ]
    ids = [row[0] for row in db.execute("SELECT arxiv_id FROM papers_paper ORDER BY id")]
    db.close()
    return rng.sample(days, min(300, len(days))), rng.sample(ids, min(5000, len(ids)))


def search_paths(data_dir: Path, rng: random.Random, n: int = 300, words: int = 3) -> list[str]:
    """Search queries as a visitor might type them: 3 words of a random paper's title,
    or (``words`` > 3) that many words in a row from a random paper's abstract, the
    length of a question or a half-remembered description."""
    db = sqlite3.connect(f"file:{data_dir / 'dailypapers.sqlite3'}?mode=ro", uri=True)
    (count,) = db.execute("SELECT max(id) FROM papers_paper").fetchone()
    column = "title" if words <= 3 else "abstract"
    queries: list[str] = []
    while len(queries) < n and count:
        row = db.execute(
            f"SELECT {column} FROM papers_paper WHERE id = ?",  # noqa: S608
            (rng.randint(1, count),),
        )
        found = row.fetchone()
        if not found:
            continue
        plain = [w for w in found[0].split() if w.isalpha()]
        if len(plain) < words:
            continue
        if words <= 3:
            queries.append(" ".join(rng.sample(plain, words)))
        else:
            start = rng.randint(0, len(plain) - words)
            queries.append(" ".join(plain[start : start + words]))
    db.close()
    return [f"/search?q={urllib.parse.quote_plus(t)}" for t in queries]


def day_sizes(data_dir: Path) -> dict[str, int]:
    db = sqlite3.connect(f"file:{data_dir / 'dailypapers.sqlite3'}?mode=ro", uri=True)
    sizes = dict(
        db.execute(
            "SELECT substr(submitted_at, 1, 10), count(*) FROM papers_submission "
            "WHERE hidden = 0 GROUP BY 1"
        ).fetchall()
    )
    db.close()
    return sizes


def query_check(data_dir: Path, days: list[str], paper_id: str) -> bool:
    """Queries per page must not grow with the number of papers shown."""
    sizes = day_sizes(data_dir)
    smallest = min(sizes, key=lambda d: (sizes[d], d))
    largest = max(sizes, key=lambda d: (sizes[d], d))
    month = largest[:7]
    paths = [
        f"/papers/date/{smallest}",
        f"/papers/date/{largest}",
        f"/papers/date/{largest}?page=2",
        f"/papers/month/{month}",
        "/papers",
        "/papers/trending",
        f"/papers/{paper_id}",
        f"/api/daily_papers?date={largest}",
    ]
    env = dict(os.environ)
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    # Count what a page costs to build, not what the page cache costs to serve.
    env["DAILYPAPERS_PAGE_CACHE_SECONDS"] = "0"
    out = subprocess.run(
        [sys.executable, str(_common.BENCH_DIR / "_querycheck.py"), str(data_dir), *paths],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    print("Queries per page (in-process, Django test client, fastest of 3):")
    print(f"  {'path':<44} {'papers':>6} {'status':>6} {'queries':>7} {'SQL ms':>8} {'view ms':>8}")
    for path, row in report["pages"].items():
        shown = ""
        if path.startswith("/papers/date/"):
            shown = str(sizes.get(path.split("/")[3].split("?")[0], ""))
        print(
            f"  {path:<44} {shown:>6} {row['status']:>6} {row['queries']:>7} "
            f"{row['sql_ms']:>8.1f} {row['total_ms']:>8.1f}"
        )
    pages = report["pages"]
    small = pages[f"/papers/date/{smallest}"]["queries"]
    large = pages[f"/papers/date/{largest}"]["queries"]
    # A day shorter than a page skips the count query, so a full day may run one more;
    # beyond that the number must not grow with the day.
    bounded = bool(large <= small + 1)
    print(
        f"  daily list: {small} queries for {sizes[smallest]} papers, {large} for "
        f"{sizes[largest]} papers -> {'bounded' if bounded else 'GROWS WITH THE DAY'}"
    )
    if "daily_list_plan" in report:
        print("  SQLite plan of the daily-list query:")
        for line in report["daily_list_plan"].splitlines():
            print(f"    {line}")
    slow = max(pages.items(), key=lambda kv: kv[1]["sql_ms"])
    print(f"  slowest SQL ({slow[0]}): {slow[1]['slowest_sql'][:300]}")
    sys.stdout.flush()
    return bounded


# -- server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``dailypapers serve`` in its own process group, so it stops with its workers."""

    def __init__(self, data_dir: Path, port: int, extra: list[str]) -> None:
        self.data_dir = data_dir
        self.port = port
        self.log = _common.OUT_DIR / "server.log"  # the last run's, for post-mortems
        env = dict(os.environ, DAILYPAPERS_DATA_DIR=str(data_dir))
        env.pop("DAILYPAPERS_DATABASE_URL", None)
        argv = [
            _common.dailypapers_bin(),
            "--data-dir",
            str(data_dir),
            "serve",
            "--port",
            str(port),
            "--no-worker",
        ]
        self.argv = argv + extra
        self._log_handle = self.log.open("wb")
        self.proc = subprocess.Popen(
            self.argv, stdout=self._log_handle, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 180.0) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited; see {self.log}:\n{self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/papers", timeout=5) as r:
                    if r.status == 200:
                        return time.perf_counter() - start
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        raise SystemExit(f"server did not answer within {timeout:.0f} s; see {self.log}")

    def _members(self) -> list[Path]:
        """/proc entries of the master and all its workers (its session)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getsid(int(entry.name)) == self.proc.pid:
                        found.append(entry)
                except (OSError, ProcessLookupError):
                    continue
        return found

    def rss_mib(self) -> float:
        total = 0
        for entry in self._members():
            try:
                for line in (entry / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far. Per request, this does not depend on
        how busy the rest of the machine is, unlike latency and throughput."""
        ticks = 0
        for entry in self._members():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log_handle.close()


def start_server(data_dir: Path, args: argparse.Namespace) -> Server:
    """``serve`` with the run's --workers and --threads, once it answers; says how."""
    extra: list[str] = []
    if args.workers:
        extra += ["--workers", str(args.workers)]
    if args.threads:
        extra += ["--threads", str(args.threads)]
    server = Server(data_dir, free_port(), extra)
    try:
        ready = server.wait_ready()
    except BaseException:
        server.stop()
        raise
    print(f"Server: {' '.join(server.argv[1:])}  (ready in {ready:.1f} s, log {server.log})")
    return server


def status_of(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


# -- load generators ------------------------------------------------------------------


def run_wrk(
    port: int, name: str, paths: list[str], concurrency: int, seconds: float, seed: int
) -> Result:
    work = _common.OUT_DIR / "wrk"
    work.mkdir(parents=True, exist_ok=True)
    script = work / "random_paths.lua"
    script.write_text(WRK_SCRIPT)
    path_file = work / f"{name.replace('/', '_')}.txt"
    path_file.write_text("\n".join(paths) + "\n")
    argv = [
        "wrk", "-t1", f"-c{concurrency}", f"-d{seconds:.0f}s", "--timeout", "10s",
        "-s", str(script), f"http://127.0.0.1:{port}", "--", str(path_file), str(seed),
    ]  # fmt: skip
    run = _common.run_measured(argv)
    line = next((ln for ln in run.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if run.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed: {run.stdout}\n{run.stderr}")
    data = json.loads(line.removeprefix("WRKJSON "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Result(
        endpoint=name,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50"] / 1000,
        p90_ms=data["p90"] / 1000,
        p99_ms=data["p99"] / 1000,
        max_ms=data["max"] / 1000,
        errors=errors,
        client_cpu=run.cpu_seconds / run.seconds,
    )


def _python_worker(
    args: tuple[int, list[str], float, int, dict[str, str]],
) -> tuple[list[float], int]:
    port, paths, seconds, seed, headers = args
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        try:
            conn.request("GET", rng.choice(paths), headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append(time.perf_counter() - start)
    conn.close()
    return latencies, errors


def run_python(
    port: int,
    name: str,
    paths: list[str],
    concurrency: int,
    seconds: float,
    seed: int,
    headers: dict[str, str] | None = None,
) -> Result:
    """Fallback client: one process per connection (no GIL sharing), keep-alive."""
    cpu_before = os.times()
    start = time.perf_counter()
    jobs = [(port, paths, seconds, seed + i, headers or {}) for i in range(concurrency)]
    with multiprocessing.Pool(concurrency) as pool:
        parts = pool.map(_python_worker, jobs)
    elapsed = time.perf_counter() - start
    cpu_after = os.times()
    cpu = (cpu_after.children_user - cpu_before.children_user) + (
        cpu_after.children_system - cpu_before.children_system
    )
    latencies = sorted(x for lats, _ in parts for x in lats)

    return Result(
        endpoint=name,
        requests=len(latencies),
        seconds=seconds,
        **_common.latency_summary(latencies),
        errors=sum(e for _, e in parts),
        client_cpu=cpu / elapsed,
    )


# A reader's session in the data folder: an account made for the benchmark, logged in
# as the login page would (the session row in the database, its cookie printed).
_LOGIN = """
import django, sys
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
user, _ = get_user_model().objects.get_or_create(username="bench-reader")
client = Client()
client.force_login(user)
print(settings.SESSION_COOKIE_NAME + "=" + client.cookies[settings.SESSION_COOKIE_NAME].value)
"""


def reader_cookie(data_dir: Path) -> str:
    """``Cookie`` header value of a logged-in reader of ``data_dir``."""
    env = dict(os.environ, DAILYPAPERS_DATA_DIR=str(data_dir))
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    env.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    out = subprocess.run(
        [sys.executable, "-c", _LOGIN], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout.strip().splitlines()[-1]


# -- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--data-dir", type=Path, help="use this data folder as it is")
    parser.add_argument("--workers", type=int, help="passed to `dailypapers serve`")
    parser.add_argument("--threads", type=int, help="passed to `dailypapers serve`")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--only", nargs="*", help="endpoint names to run (default: all)")
    parser.add_argument("--skip-query-check", action="store_true")
    parser.add_argument(
        "--search",
        action="store_true",
        help="also time /search and /api/papers/search (the data folder needs its search index)",
    )
    parser.add_argument(
        "--logged-in",
        action="store_true",
        help="also time the daily list for a logged-in reader (never from the page cache;"
        " Python client)",
    )
    parser.add_argument(
        "--query-words",
        type=int,
        default=3,
        help="words per search query: 3 from a title (default), more from an abstract",
    )
    args = parser.parse_args(argv)

    started = _common.print_machine()
    data_dir = args.data_dir or ensure_data(args.papers, args.seed)
    rng = random.Random(args.seed)
    days, ids = sample_targets(data_dir, rng)
    if not days:
        raise SystemExit(f"no daily-list papers in {data_dir}")
    bounded = True if args.skip_query_check else query_check(data_dir, days, ids[0])

    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    load = run_wrk if client == "wrk" else run_python
    server = start_server(data_dir, args)
    results: list[Result] = []
    try:
        print(
            f"Client: {client}, {args.concurrency} keep-alive connections, "
            f"{args.duration:.0f} s per endpoint after {args.warmup:.0f} s warm-up"
        )
        endpoints: dict[str, list[str]] = {
            "daily list /papers/date/D": [f"/papers/date/{d}" for d in days],
            "latest day /papers": ["/papers"],
            "trending /papers/trending": ["/papers/trending"],
            "paper page /papers/ID": [f"/papers/{i}" for i in ids],
        }
        api_status = status_of(server.port, f"/api/daily_papers?date={days[0]}")
        if api_status == 404:
            print("  /api/daily_papers answers 404: not there yet, skipped")
        else:
            endpoints["API /api/daily_papers?date=D"] = [
                f"/api/daily_papers?date={d}" for d in days
            ]
        for paths in endpoints.values():
            status = status_of(server.port, paths[0])
            if status != 200:
                print(f"  warning: {paths[0]} answers {status}")
        endpoints["mixed (all of the above)"] = [
            p for paths in endpoints.values() for p in paths[:300]
        ]
        if args.search:
            pages = search_paths(data_dir, random.Random(args.seed), words=args.query_words)
            endpoints[f"search page /search, {args.query_words} words"] = pages
            endpoints[f"search API, {args.query_words} words"] = [
                p.replace("/search?q=", "/api/papers/search?limit=10&q=") for p in pages
            ]
        if args.logged_in:
            endpoints[LOGGED_IN] = endpoints["daily list /papers/date/D"]
        if args.only:
            endpoints = {k: v for k, v in endpoints.items() if any(o in k for o in args.only)}
        headers = {"Cookie": reader_cookie(data_dir)} if LOGGED_IN in endpoints else {}

        header = (
            f"  {'endpoint':<31} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
            f"{'max ms':>7} {'requests':>8} {'errors':>6} {'client CPU':>10} "
            f"{'server CPU/req':>14}"
        )
        print(header)
        for index, (name, paths) in enumerate(endpoints.items()):
            # wrk sends no cookie here: the logged-in list with the Python client.
            run = functools.partial(run_python, headers=headers) if name == LOGGED_IN else load
            if args.warmup > 0:
                run(server.port, name, paths, args.concurrency, args.warmup, args.seed + 1000)
            cpu_before = server.cpu_seconds()
            result = run(
                server.port, name, paths, args.concurrency, args.duration, args.seed + index
            )
            if result.requests:
                result.server_cpu_ms = (server.cpu_seconds() - cpu_before) / result.requests * 1000
            results.append(result)
            print(
                f"  {name:<31} {result.rps:>7.0f} {result.p50_ms:>7.1f} {result.p90_ms:>7.1f} "
                f"{result.p99_ms:>7.1f} {result.max_ms:>7.0f} {result.requests:>8} "
                f"{result.errors:>6} {result.client_cpu:>9.0%} "
                f"{result.server_cpu_ms:>11.1f} ms"
            )
            sys.stdout.flush()
        print(f"Server RSS after the run (master + workers): {server.rss_mib():.0f} MiB")
    finally:
        server.stop()

    daily = next((r for r in results if r.endpoint.startswith("daily list")), None)
    if daily:
        checks = [
            ("daily list p50", daily.p50_ms, "<=", TARGETS["daily p50 ms"], "ms"),
            ("daily list p99", daily.p99_ms, "<=", TARGETS["daily p99 ms"], "ms"),
            ("daily list throughput", daily.rps, ">=", TARGETS["requests/s"], "req/s"),
        ]
        print("Targets:")
        for label, value, op, target, unit in checks:
            ok = value <= target if op == "<=" else value >= target
            print(
                f"  {label:<24} {value:8.1f} {unit:<5} {op} {target:g}  {'ok' if ok else 'MISSED'}"
            )
        print(f"  daily list queries       {'bounded' if bounded else 'NOT bounded'}")
    reader = next((r for r in results if r.endpoint == LOGGED_IN), None)
    if reader:
        target = TARGETS["logged-in daily p50 ms"]
        verdict = "ok" if reader.p50_ms <= target else "MISSED"
        print(f"  logged-in daily list p50 {reader.p50_ms:8.1f} ms    <= {target:g}  {verdict}")
    print(f"Machine at the end: {_common.machine()['load']}")
    _common.save_json(
        _common.result_path("pages"),
        {
            "machine": _common.machine(),
            "args": {k: str(v) for k, v in vars(args).items()},
            "results": [asdict(r) | {"rps": r.rps} for r in results],
        },
    )
    write_results(args, argv, results, started)
    return 0


def write_results(
    args: argparse.Namespace, argv: list[str] | None, runs: list[Result], started: dict[str, str]
) -> None:
    cache_off = os.environ.get("DAILYPAPERS_PAGE_CACHE_SECONDS", "").strip() == "0"
    partial = args.only or args.data_dir or args.search
    name = "pages" + ("-nocache" if cache_off else "") + ("-partial" if partial else "")
    columns = ["endpoint", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"]
    rows = [
        [
            r.endpoint,
            round(r.rps),
            r.p50_ms,
            r.p90_ms,
            r.p99_ms,
            r.max_ms,
            r.errors,
            r.server_cpu_ms,
        ]
        for r in runs
    ]
    bench_results.write(
        name,
        title=(
            f"bench_pages.py: pages under load, {_common.human_count(args.papers)} papers, "
            f"{args.concurrency} clients"
            + (", page cache off" if cache_off else "")
            + " (targets: daily list p50 ≤ 25 ms, p99 ≤ 100 ms, ≥ 200 req/s)"
        ),
        command=bench_results.command_line(__file__, argv),
        tables=[bench_results.table([*columns, "server CPU per request"], rows)],
        started=started,
        numbers=[asdict(r) | {"rps": r.rps} for r in runs],
    )


if __name__ == "__main__":
    raise SystemExit(main())
