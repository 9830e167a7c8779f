"""Parse speed per upstream format, and memory while streaming a large snapshot.

    python benchmarks/bench_parse.py                    # throughput + 0.5 GB and 2 GB snapshots
    python benchmarks/bench_parse.py --snapshot-gb 8    # a bigger snapshot (and a quarter of it)
    python benchmarks/bench_parse.py --skip-snapshot    # throughput only

(a) Records per second for each format the sync and the importer read, from the
recorded upstream samples in /work/shared/data/upstream and the daily lists,
with records replicated in memory so that each timing covers at least a second
(best of three): arXiv API Atom, OAI-PMH arXivRaw and arXiv, the RSS
announcement feed, the Hugging Face daily list (2024 and 2026 shapes) and arXiv
snapshot JSON lines.

(b) A JSON Lines snapshot of the chosen size is generated from the real snapshot
records with unique ids (cached in benchmarks/out/), then streamed by a
subprocess through ``dailypapers.ingest.formats.read_file``, the reader the
importer uses. Printed: records/s and the subprocess's peak RSS, at the chosen
size and at a quarter of it; flat memory means streaming works (target
≤ 300 MiB whatever the size).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
import results

UPSTREAM = _common.SHARED_DATA / "upstream"
TARGET_PEAK_MIB = 300.0
MIN_SECONDS = 1.0


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    os.environ.setdefault("DAILYPAPERS_DATA_DIR", str(_common.OUT_DIR / "parse-data"))
    import django

    django.setup()


def _replicate_xml(body: bytes, tag: bytes, times: int) -> bytes:
    """The document with its ``tag`` elements repeated ``times`` times."""
    opening = re.search(rb"<" + tag + rb"[\s>]", body)
    closing = b"</" + tag + b">"
    assert opening is not None, tag
    start, end = opening.start(), body.rindex(closing) + len(closing)
    return body[:start] + body[start:end] * times + body[end:]


def _timed(parse: Callable[[], int]) -> tuple[int, float]:
    """Records per call and the best seconds per call over three rounds of >= 1 s."""
    best = float("inf")
    records = 0
    for _ in range(3):
        calls = 0
        start = time.perf_counter()
        while True:
            records = parse()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= MIN_SECONDS:
                break
        best = min(best, elapsed / calls)
    return records, best


def throughput() -> list[dict[str, Any]]:
    from dailypapers.ingest import arxiv_api, formats, hf_api, oai, rss
    from dailypapers.papers.records import PaperRecord

    def count(items: Any) -> int:
        return sum(isinstance(i, PaperRecord) for i in items)

    atom = json.loads(
        (UPSTREAM / "arxiv-api/recorded_2026/q_testing_s0_m100_cfe7536492ca.json").read_text()
    )["body"].encode("latin-1")
    raw = UPSTREAM / "arxiv-oai-pmh/mikesaelim_arXivOAIHarvester/ListRecordsResponse.xml"
    arxiv = UPSTREAM / "arxiv-oai-pmh/inspirehep_hepcrawl/arxiv-physics-hep-th.xml"
    feed = (UPSTREAM / "arxiv-rss/rss_mock_feed_all_archives_2024-11-28.xml").read_bytes()
    day_2024 = json.loads(
        (_common.HF_DAILY / "api-raw-2024-03_2024-04/daily_papers_2024-03-12.json").read_text()
    )
    day_2026 = json.loads((_common.HF_DAILY / "api-2026-03_2026-08/2026-04-07.json").read_text())
    snapshot = _common.OUT_DIR / "parse-snapshot-sample.jsonl"
    lines = [
        line
        for path in sorted((UPSTREAM / "arxiv-kaggle-snapshot").glob("*.jsonl"))
        for line in path.read_bytes().splitlines()
    ]
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    snapshot.write_bytes(b"\n".join(lines * 25) + b"\n")

    def hf(body: bytes) -> Any:
        return hf_api.parse_day(body, "application/json", "bench")

    cases: list[tuple[str, Callable[[bytes], Any], bytes]] = [
        (
            "arXiv API Atom (2026)",
            lambda b: arxiv_api.parse_feed(b, "bench").items,
            _replicate_xml(atom, b"entry", 10),
        ),
        (
            "OAI-PMH arXivRaw",
            lambda b: oai.parse_page(b, "bench").items,
            _replicate_xml(raw.read_bytes(), b"record", 100),
        ),
        (
            "OAI-PMH arXiv",
            lambda b: oai.parse_page(b, "bench").items,
            _replicate_xml(arxiv.read_bytes(), b"record", 100),
        ),
        ("RSS announcements", lambda b: rss.parse_feed(b, "bench").items, feed),
        ("HF daily list, 2024 shape", hf, json.dumps(day_2024 * 20).encode()),
        ("HF daily list, 2026 shape", hf, json.dumps(day_2026 * 20).encode()),
        (
            "arXiv snapshot JSON lines",
            lambda b: formats.read_file(snapshot, lambda n: None),
            b"",
        ),
    ]
    results = []
    print("(a) parse throughput (one core, best of 3)")
    for label, parse, body in cases:
        records, seconds = _timed(lambda: count(parse(body)))  # noqa: B023 - called at once
        rate = records / seconds
        print(f"  {label:<28} {records:>6,} records per document  {rate:>10,.0f} records/s")
        sys.stdout.flush()
        results.append({"format": label, "records": records, "rate": rate})
    snapshot.unlink()
    return results


# -- (b) streaming a large snapshot --------------------------------------------------


def _templates() -> list[tuple[bytes, bytes]]:
    """Each real snapshot record as (text before its id, text after it)."""
    rows = [
        json.loads(line)
        for line in (
            UPSTREAM
            / "arxiv-kaggle-snapshot/Sharath-1736_arxiv-metadata-oai-snapshot_first200_2025.jsonl"
        )
        .read_text()
        .splitlines()
    ]
    parts = []
    for row in rows:
        row["id"] = "@ID@"
        before, after = json.dumps(row, ensure_ascii=False).encode().split(b"@ID@")
        parts.append((before, after))
    return parts


def _ids() -> Any:
    """Unique new-style ids: five-digit numbers in every month from 2015."""
    for year in range(15, 100):
        for month in range(1, 13):
            for number in range(1, 100_000):
                yield f"{year:02d}{month:02d}.{number:05d}".encode()


def ensure_snapshot(gigabytes: float) -> Path:
    size = int(gigabytes * 1024**3)
    path = _common.OUT_DIR / f"snapshot-{gigabytes:g}gb.jsonl"
    if path.exists() and path.stat().st_size >= size:
        print(f"  using {path} ({path.stat().st_size / 1024**3:.2f} GiB)")
        return path
    print(f"  generating {path} ...", end=" ")
    sys.stdout.flush()
    start = time.perf_counter()
    templates = _templates()
    ids = _ids()
    written = 0
    partial = path.with_suffix(".partial")
    with partial.open("wb", buffering=1 << 20) as out:
        while written < size:
            chunk = b"".join(before + next(ids) + after + b"\n" for before, after in templates)
            out.write(chunk)
            written += len(chunk)
    partial.rename(path)
    print(f"{written / 1024**3:.2f} GiB in {time.perf_counter() - start:.0f} s")
    return path


def stream(path: Path) -> int:
    """The subprocess: read every record of ``path``; print counts as JSON."""
    from dailypapers.ingest.formats import read_file
    from dailypapers.papers.records import PaperRecord

    records = problems = 0
    start = time.perf_counter()
    for item in read_file(path, lambda n: None):
        if isinstance(item, PaperRecord):
            records += 1
        else:
            problems += 1
    seconds = time.perf_counter() - start
    print(json.dumps({"records": records, "problems": problems, "seconds": seconds}))
    return 0


def streaming(gigabytes: float) -> list[dict[str, Any]]:
    print("(b) streaming a generated snapshot through formats.read_file (subprocess)")
    results = []
    for size in (gigabytes / 4, gigabytes):
        path = ensure_snapshot(size)
        run = _common.run_measured([sys.executable, __file__, "--stream", str(path)])
        if run.returncode != 0:
            sys.stderr.write(run.stdout + run.stderr)
            raise SystemExit("the streaming subprocess failed")
        counts = json.loads(run.stdout.strip().splitlines()[-1])
        rate = counts["records"] / counts["seconds"]
        verdict = "ok" if run.peak_rss_mib <= TARGET_PEAK_MIB else "ABOVE the target"
        print(
            f"  {path.stat().st_size / 1024**3:5.2f} GiB: {counts['records']:>10,} records "
            f"({counts['problems']} problems) in {counts['seconds']:6.1f} s = {rate:8,.0f}/s, "
            f"peak RSS {run.peak_rss_mib:5.0f} MiB (target ≤ {TARGET_PEAK_MIB:.0f})  {verdict}"
        )
        sys.stdout.flush()
        results.append(
            {"gib": path.stat().st_size / 1024**3, "rate": rate, "peak_rss_mib": run.peak_rss_mib}
            | counts
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot-gb", type=float, default=2.0, help="largest snapshot size")
    parser.add_argument("--skip-snapshot", action="store_true", help="throughput only")
    parser.add_argument("--skip-throughput", action="store_true", help="streaming only")
    parser.add_argument("--stream", type=Path, help=argparse.SUPPRESS)  # the subprocess
    args = parser.parse_args(argv)
    _setup_django()
    if args.stream:
        return stream(args.stream)
    started = _common.print_machine()
    report: dict[str, Any] = {"machine": _common.machine()}
    if not args.skip_throughput:
        report["throughput"] = throughput()
    if not args.skip_snapshot:
        report["streaming"] = streaming(args.snapshot_gb)
    _common.save_json(_common.result_path("parse"), report)
    tables = []
    if "throughput" in report:
        rows = [[t["format"], t["records"], round(t["rate"])] for t in report["throughput"]]
        table = results.table(["format", "records per document", "records/s"], rows)
        tables.append({"caption": "Throughput, one core, best of 3:"} | table)
    if "streaming" in report:
        rows = [
            [f"{r['gib']:.2f} GiB", r["records"], round(r["rate"]), f"{r['peak_rss_mib']:.0f} MiB"]
            for r in report["streaming"]
        ]
        table = results.table(["snapshot", "records", "records/s", "peak RSS"], rows)
        tables.append({"caption": "Streaming a generated snapshot (target ≤ 300 MiB):"} | table)
    results.write(
        "parse" + ("-partial" if args.skip_throughput or args.skip_snapshot else ""),
        title="bench_parse.py: parse speed per format, memory while streaming a snapshot",
        command=results.command_line(__file__, argv),
        tables=tables,
        started=started,
        numbers=report,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
