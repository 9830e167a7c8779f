"""Import speed: papers per second through the real ``dailypapers import`` command.

    python benchmarks/bench_import.py                       # shared lists + 100k corpus
    python benchmarks/bench_import.py --papers 1000000
    python benchmarks/bench_import.py --corpus PATH         # an existing corpus folder
    python benchmarks/bench_import.py --database-url postgres://user:pw@host/db

Each import runs as a subprocess (``dailypapers --data-dir DIR import PATH``) into a
fresh data folder, exactly as a user runs it, so the numbers include file reading,
parsing, merging and the database writes. Measured for (a) the real daily lists in
/work/shared/data/hf-daily-papers and (b) a generated corpus (cached under
benchmarks/out/), each twice: the first import into an empty database, then a
re-import of the same files, where every paper is unchanged.

Reported: wall time, papers/s (records read / wall time), the same net of the
command's start-up (Django setup, measured separately), and the importer's peak RSS.
Migrations run before the timed import, so they are not counted. Search indexing is
switched off when the command offers a switch for it.

With --database-url (PostgreSQL), a scratch database is created next to the given
one and dropped afterwards; the given database is never written.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import sys
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
import results

TARGET_RATE = 3000.0  # papers/s
_SUMMARY = re.compile(
    r"Imported (?P<files>\d+) files: (?P<new>\d+) new, (?P<updated>\d+) updated, "
    r"(?P<unchanged>\d+) unchanged, (?P<skipped>\d+) skipped"
)
# Flags an importer may offer to leave search indexing for later; the first one
# the command's --help mentions is passed.
_NO_INDEX_FLAGS = ("--no-index", "--no-search-index", "--skip-index", "--no-search")


@dataclass
class ImportRun:
    label: str
    seconds: float
    cpu_seconds: float
    papers: int
    new: int
    updated: int
    unchanged: int
    skipped: int
    files: int
    peak_rss_mib: float
    startup_seconds: float

    @property
    def rate(self) -> float:
        return self.papers / self.seconds if self.seconds else 0.0

    @property
    def rate_cpu(self) -> float:
        return self.papers / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def rate_net(self) -> float:
        net = self.seconds - self.startup_seconds
        return self.papers / net if net > 0 else 0.0


class Database:
    """Where the imports write: SQLite in each data folder, or a scratch PostgreSQL DB."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self.scratch_url: str | None = None
        self.scratch_name: str | None = None

    def env(self, data_dir: Path) -> dict[str, str]:
        env = dict(os.environ)
        env["DAILYPAPERS_DATA_DIR"] = str(data_dir)
        env.pop("DAILYPAPERS_DATABASE_URL", None)
        if self.scratch_url:
            env["DAILYPAPERS_DATABASE_URL"] = self.scratch_url
        return env

    def fresh(self) -> None:
        """Start from an empty database (a new scratch DB for PostgreSQL)."""
        if not self.url:
            return
        self.drop()
        import psycopg

        parts = urlsplit(self.url)
        self.scratch_name = f"dailypapers_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.scratch_name}"')
        self.scratch_url = urlunsplit(parts._replace(path=f"/{self.scratch_name}"))

    def drop(self) -> None:
        if not (self.url and self.scratch_name):
            return
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.scratch_name}" WITH (FORCE)')
        self.scratch_name = self.scratch_url = None


def _run_checked(argv: list[str], env: dict[str, str], what: str) -> _common.RunResult:
    result = _common.run_measured(argv, env)
    if result.returncode not in (0, 1):  # 1 = some records skipped, still a full run
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{what} failed with exit status {result.returncode}")
    return result


def _startup_and_flags(db: Database, scratch: Path) -> tuple[float, list[str]]:
    """Start-up cost of the command (best of 3) and the flag that skips indexing."""
    cli = _common.dailypapers_bin()
    env = db.env(scratch)
    # `import --help` goes through django.setup() and loads the command, like a real
    # import does, but touches no data.
    runs = [_run_checked([cli, "import", "--help"], env, "import --help") for _ in range(3)]
    help_text = runs[0].stdout
    flags = [flag for flag in _NO_INDEX_FLAGS if re.search(rf"{flag}\b", help_text)][:1]
    return min(r.seconds for r in runs), flags


def import_twice(
    label: str,
    source: Path,
    db: Database,
    work: Path,
    flags: list[str],
    startup: float,
    *,
    again: bool = True,
) -> list[ImportRun]:
    cli = _common.dailypapers_bin()
    data_dir = work / f"data-{label}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    db.fresh()
    env = db.env(data_dir)
    _run_checked([cli, "migrate", "--verbosity", "0"], env, "migrate")
    runs = []
    for attempt in ("first import", "re-import") if again else ("first import",):
        result = _run_checked(
            [cli, "import", str(source), "--no-progress", *flags], env, f"{label} {attempt}"
        )
        match = _SUMMARY.search(result.stdout)
        if not match:
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit("could not read the import summary")
        counts = {k: int(v) for k, v in match.groupdict().items()}
        run = ImportRun(
            label=f"{label}, {attempt}",
            seconds=result.seconds,
            cpu_seconds=result.cpu_seconds,
            papers=counts["new"] + counts["updated"] + counts["unchanged"],
            peak_rss_mib=result.peak_rss_mib,
            startup_seconds=startup,
            **counts,
        )
        runs.append(run)
        _print_run(run)
        if run.skipped:
            # The importer names each skipped record on stderr; show why.
            reasons = [ln for ln in result.stderr.splitlines() if ln.startswith("skipped")]
            for line in reasons[:3]:
                print(f"      {line[:200]}")
    db.drop()
    return runs


def _print_run(run: ImportRun) -> None:
    verdict = "ok" if run.rate >= TARGET_RATE else f"BELOW the {TARGET_RATE:,.0f}/s target"
    print(
        f"  {run.label:<34} {run.papers:>9,} papers in {run.seconds:8.1f} s = "
        f"{run.rate:8,.0f}/s  (net of start-up {run.rate_net:8,.0f}/s, "
        f"per CPU-second {run.rate_cpu:8,.0f})  "
        f"peak RSS {run.peak_rss_mib:6.0f} MiB  [{run.new} new, {run.updated} updated, "
        f"{run.unchanged} unchanged, {run.skipped} skipped]  {verdict}"
    )
    sys.stdout.flush()


def ensure_corpus(papers: int, seed: int) -> Path:
    """The generated corpus for (papers, seed), made once and kept in benchmarks/out/."""
    import generate_corpus

    path = _common.OUT_DIR / f"corpus-{_common.human_count(papers)}-seed{seed}"
    manifest = path / "corpus.manifest"
    if manifest.exists():
        made_by = json.loads(manifest.read_text()).get("generator_version")
        if made_by == generate_corpus.GENERATOR_VERSION:
            print(f"Using cached corpus {path}")
            return path
    shutil.rmtree(path, ignore_errors=True)

    print(f"Generating the corpus (cached for later runs) into {path}")
    sys.stdout.flush()
    generate_corpus.main(["--papers", str(papers), "--seed", str(seed), "--out", str(path)])
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--papers", type=int, default=100_000, help="size of the generated corpus")
    source.add_argument("--corpus", type=Path, help="import this folder instead of generating")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="PostgreSQL server to use (a scratch DB on it)")
    parser.add_argument("--skip-shared", action="store_true", help="only the large corpus")
    parser.add_argument("--skip-corpus", action="store_true", help="only the shared lists")
    parser.add_argument("--keep", action="store_true", help="keep the data folders afterwards")
    parser.add_argument("--no-reimport", action="store_true", help="skip the second import")
    parser.add_argument(
        "--import-args",
        default="",
        help='more options for `dailypapers import`, e.g. "--batch-size 5000"',
    )
    args = parser.parse_args(argv)

    started = _common.print_machine(args.database_url)
    db = Database(args.database_url)
    work = _common.OUT_DIR / f"import-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    runs: list[ImportRun] = []
    try:
        startup, flags = _startup_and_flags(db, work / "startup")
        print(
            f"Import via the `dailypapers import` command (subprocess); start-up "
            f"{startup:.2f} s; search-index flag: {' '.join(flags) or 'none offered'}"
        )
        if args.import_args:
            flags = [*flags, *shlex.split(args.import_args)]
            print(f"Extra import options: {args.import_args}")
        if not args.skip_shared:
            print(f"(a) shared daily lists: {_common.HF_DAILY}")
            runs += import_twice(
                "shared lists",
                _common.HF_DAILY,
                db,
                work,
                flags,
                startup,
                again=not args.no_reimport,
            )
        if not args.skip_corpus:
            corpus = args.corpus or ensure_corpus(args.papers, args.seed)
            print(f"(b) generated corpus: {corpus}")
            runs += import_twice(
                corpus.name, corpus, db, work, flags, startup, again=not args.no_reimport
            )
    finally:
        db.drop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    _common.save_json(
        _common.result_path("import"),
        {
            "machine": _common.machine(args.database_url),
            "runs": [
                asdict(r) | {"rate": r.rate, "rate_net": r.rate_net, "rate_cpu": r.rate_cpu}
                for r in runs
            ],
        },
    )
    write_results(args, argv, runs, started)
    return 0


def write_results(
    args: argparse.Namespace, argv: list[str] | None, runs: list[ImportRun], started: dict[str, str]
) -> None:
    corpus = args.corpus.name if args.corpus else _common.human_count(args.papers)
    name = f"import-{corpus}" + ("-postgresql" if args.database_url else "")
    rows = [
        [
            r.label.rsplit(", ", 1)[0],
            r.label.rsplit(", ", 1)[-1],
            f"{r.seconds:.1f} s",
            round(r.rate),
            round(r.rate_net),
            round(r.rate_cpu),
            f"{r.peak_rss_mib:.0f} MiB",
        ]
        for r in runs
    ]
    columns = ["corpus", "run", "wall", "papers/s", "net of start-up", "per CPU-second"]
    results.write(
        name,
        title=f"bench_import.py: `dailypapers import`, {corpus} corpus (target 3,000 papers/s)",
        command=results.command_line(__file__, argv),
        tables=[results.table([*columns, "peak RSS"], rows)],
        started=started,
        database_url=args.database_url,
        numbers=[asdict(r) for r in runs],
    )


if __name__ == "__main__":
    raise SystemExit(main())
