"""Generate a large, realistic paper corpus for the import and page benchmarks.

    python benchmarks/generate_corpus.py --papers 100000 --out benchmarks/out/corpus-100k

Everything a reader sees is real text recombined: titles are spliced from real
titles, abstracts are real abstract sentences, authors are real author names, from
/work/shared/data (HF daily papers of 2024 and 2026, the PaperExplorer scrape, the
arXiv snapshot excerpt, the arXiv RSS feed for categories). Distributions that
matter for speed are taken from the real 2026 daily lists: upvotes (heavy-tailed,
0-250), comments, authors per paper, share with a GitHub repo, organization,
project page, AI summary, the delay between arXiv and the daily list, and the time
of day of submissions. Papers on no list take their author counts from the arXiv
snapshot instead (about 3 authors, against about 10 on the daily list).

Layout, in the shapes ``dailypapers import`` reads (see ingest/formats.py):

    OUT/daily/YYYY-MM-DD.json          one file per weekday, 2026 daily-papers API shape,
                                       25-60 entries (papers on the daily list)
    OUT/arxiv-snapshot/arxiv-YYYY.jsonl  arXiv metadata snapshot rows (papers on no list)
    OUT/corpus.manifest                JSON: parameters, counts, sha256 (not imported)

The daily list covers the last weekdays before --end (at most --daily-years) and
holds about --daily-share of the papers; the rest are arXiv-only papers spread over
--since..--end with arXiv's growth. Ids are unique new-style ids whose YYMM is the
month of the paper's first arXiv version. Output is a pure function of the
arguments: the same seed gives byte-identical files (the manifest's sha256 shows
it), and memory stays flat: one day or one month of papers is held at a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import hashlib
import itertools
import json
import random
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
import results

GENERATOR_VERSION = 3
PER_DAY = (25, 60, 40)  # triangular(low, high, mode) papers per day on the daily list
MAX_LAG = dt.timedelta(days=30)  # arXiv -> daily list delay is capped here
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_SPACE = re.compile(r"\s+")
_CONNECTOR = re.compile(r" (for|via|with|in|on|from|using|through|towards|without) ")


def _clean(value: object) -> str:
    return _SPACE.sub(" ", value).strip() if isinstance(value, str) else ""


def _unique(values: Iterator[str]) -> list[str]:
    # dict keeps first-seen order, so pools (and thus output) never depend on hashing.
    return list(dict.fromkeys(v for v in values if v))


@dataclass
class Pools:
    """Real material to recombine, and real distributions to sample from."""

    colon_heads: list[str] = field(default_factory=list)
    colon_tails: list[str] = field(default_factory=list)
    left_parts: list[str] = field(default_factory=list)
    right_parts: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    openers: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    hf_users: list[dict[str, Any]] = field(default_factory=list)
    submitters: list[dict[str, Any]] = field(default_factory=list)
    organizations: list[dict[str, Any]] = field(default_factory=list)
    repo_owners: list[str] = field(default_factory=list)
    ai_summaries: list[str] = field(default_factory=list)
    ai_keywords: list[list[str]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    journal_refs: list[str] = field(default_factory=list)
    licenses: list[str | None] = field(default_factory=list)
    upvotes: list[int] = field(default_factory=list)
    num_comments: list[int] = field(default_factory=list)
    author_counts: list[int] = field(default_factory=list)  # daily-list papers
    snapshot_author_counts: list[int] = field(default_factory=list)  # arXiv at large
    github_stars: list[int] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)  # seconds from arXiv to the list
    times_of_day: list[int] = field(default_factory=list)  # seconds after midnight UTC
    share_github: float = 0.0
    share_org: float = 0.0
    share_project: float = 0.0
    share_ai: float = 0.0
    share_hf_user: float = 0.0


def _iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def load_pools(data: Path) -> Pools:
    hf = data / "hf-daily-papers"
    api_2026 = [
        json.loads(p.read_text()) for p in sorted((hf / "api-2026-03_2026-08").glob("*.json"))
    ]
    raw_2024 = [
        json.loads(p.read_text()) for p in sorted((hf / "api-raw-2024-03_2024-04").glob("*.json"))
    ]
    explorer: dict[str, Any] = json.loads((hf / "paperexplorer-2023-11_2024-04.json").read_text())
    snapshot: list[dict[str, Any]] = []
    for path in sorted((data / "upstream" / "arxiv-kaggle-snapshot").glob("*.jsonl")):
        snapshot.extend(json.loads(line) for line in path.read_text().splitlines() if line.strip())

    entries_2026 = [e for day in api_2026 for e in day if isinstance(e, dict)]
    entries_2024 = [e for day in raw_2024 for e in day if isinstance(e, dict)]
    papers_2026 = [e["paper"] for e in entries_2026]
    all_hf = papers_2026 + [e["paper"] for e in entries_2024]

    pools = Pools()
    pools.titles = _unique(
        itertools.chain(
            (_clean(p.get("title")) for p in all_hf),
            (_clean(v.get("title")) for v in explorer.values()),
            (_clean(r.get("title")) for r in snapshot),
        )
    )
    for title in pools.titles:
        head, sep, tail = title.partition(": ")
        if sep and len(head) <= 48 and len(tail) > 12:
            pools.colon_heads.append(head)
            pools.colon_tails.append(tail)
            title = tail
        match = _CONNECTOR.search(title)
        if match and match.start() > 8:
            pools.left_parts.append(title[: match.start()])
            pools.right_parts.append(title[match.start() + 1 :])

    abstracts = itertools.chain(
        (_clean(p.get("summary")) for p in all_hf),
        (_clean(v.get("abstract")) for v in explorer.values()),
        (_clean(r.get("abstract")) for r in snapshot),
    )
    openers: list[str] = []
    body: list[str] = []
    for abstract in abstracts:
        parts = [s for s in _SENTENCE_END.split(abstract) if 20 <= len(s) <= 600]
        if parts:
            openers.append(parts[0])
            body.extend(parts[1:])
    pools.openers, pools.sentences = _unique(iter(openers)), _unique(iter(body))

    def snapshot_names(row: dict[str, Any]) -> Iterator[str]:
        for parts in row.get("authors_parsed") or []:
            last, first = [*parts, "", ""][:2]
            yield _clean(f"{first} {last}")

    pools.names = _unique(
        itertools.chain(
            (_clean(a.get("name")) for p in all_hf for a in p.get("authors") or []),
            (_clean(n) for v in explorer.values() for n in v.get("authors") or []),
            (n for r in snapshot for n in snapshot_names(r)),
        )
    )
    users: dict[str, dict[str, Any]] = {}
    for paper in all_hf:
        for author in paper.get("authors") or []:
            user = author.get("user")
            if isinstance(user, dict) and user.get("user"):
                users.setdefault(user["user"], user)
    pools.hf_users = list(users.values())
    submitters: dict[str, dict[str, Any]] = {}
    for paper in papers_2026:
        by = paper.get("submittedOnDailyBy")
        if isinstance(by, dict) and by.get("user"):
            submitters.setdefault(by["user"], by)
    pools.submitters = list(submitters.values())
    orgs: dict[str, dict[str, Any]] = {}
    for entry in entries_2026:
        org = entry.get("organization") or entry["paper"].get("organization")
        if isinstance(org, dict) and org.get("name"):
            orgs.setdefault(org["name"], org)
    pools.organizations = list(orgs.values())
    pools.repo_owners = _unique(
        p["githubRepo"].rstrip("/").split("/")[3]
        for p in all_hf
        if isinstance(p.get("githubRepo"), str) and p["githubRepo"].count("/") >= 4
    )
    pools.ai_summaries = _unique(_clean(p.get("ai_summary")) for p in papers_2026)
    pools.ai_keywords = [p["ai_keywords"] for p in papers_2026 if p.get("ai_keywords")]

    rss = data / "upstream" / "arxiv-rss" / "rss_mock_feed_all_archives_2024-11-28.xml"
    rss_categories = [
        " ".join(c.text or "" for c in item.findall("category"))
        for item in ET.parse(rss).getroot().iter("item")  # noqa: S314 - trusted local file
    ]
    pools.categories = [c for c in rss_categories if c] + [
        _clean(r.get("categories")) for r in snapshot if r.get("categories")
    ]
    pools.comments = _unique(_clean(r.get("comments")) for r in snapshot)
    pools.journal_refs = _unique(_clean(r.get("journal-ref")) for r in snapshot)
    pools.licenses = [r.get("license") for r in snapshot]

    pools.upvotes = [int(p.get("upvotes") or 0) for p in papers_2026]
    pools.num_comments = [int(e.get("numComments") or 0) for e in entries_2026]
    pools.author_counts = [len(p.get("authors") or []) or 1 for p in all_hf]
    # Papers on the daily list (mostly ML) have about 10 authors, arXiv at large far
    # fewer; the snapshot excerpt gives the latter.
    pools.snapshot_author_counts = [len(r.get("authors_parsed") or []) or 1 for r in snapshot]
    pools.github_stars = [int(p["githubStars"]) for p in papers_2026 if p.get("githubStars")]
    for paper in papers_2026:
        on_list = _iso(paper["submittedOnDailyAt"])
        lag = (on_list - _iso(paper["publishedAt"])).total_seconds()
        pools.lags.append(min(max(lag, 600.0), MAX_LAG.total_seconds()))
        pools.times_of_day.append(on_list.hour * 3600 + on_list.minute * 60 + on_list.second)
    n = len(papers_2026)
    pools.share_github = sum(bool(p.get("githubRepo")) for p in papers_2026) / n
    pools.share_project = sum(bool(p.get("projectPage")) for p in papers_2026) / n
    pools.share_ai = sum(bool(p.get("ai_summary")) for p in papers_2026) / n
    pools.share_org = (
        sum(bool(e.get("organization") or e["paper"].get("organization")) for e in entries_2026) / n
    )
    n_authors = sum(len(p.get("authors") or []) for p in papers_2026)
    pools.share_hf_user = (
        sum(1 for p in papers_2026 for a in p.get("authors") or [] if a.get("user")) / n_authors
    )
    return pools


# -- records ----------------------------------------------------------------------


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _wrap(title: str, width: int = 70) -> str:
    """Break a long title once, the way the snapshot's titles are broken."""
    if len(title) <= width:
        return title
    cut = title.rfind(" ", 0, width)
    return title if cut <= 0 else f"{title[:cut]}\n  {title[cut + 1 :]}"


def _author_line(names: list[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "code"


class Maker:
    """Builds one record at a time from the pools, drawing only from ``rng``."""

    def __init__(self, pools: Pools, rng: random.Random) -> None:
        self.p = pools
        self.rng = rng

    def hex_id(self) -> str:
        return f"{self.rng.getrandbits(96):024x}"

    def doi(self, arxiv_id: str) -> str:
        return f"10.{self.rng.randint(1000, 9999)}/{_slug(arxiv_id)}"

    def title(self) -> str:
        rng, p = self.rng, self.p
        roll = rng.random()
        if roll < 0.45 and p.colon_heads:
            return f"{rng.choice(p.colon_heads)}: {rng.choice(p.colon_tails)}"
        if roll < 0.9 and p.left_parts:
            return f"{rng.choice(p.left_parts)} {rng.choice(p.right_parts)}"
        return rng.choice(p.titles)

    def abstract(self) -> str:
        rng, p = self.rng, self.p
        return " ".join([rng.choice(p.openers), *rng.sample(p.sentences, rng.randint(3, 8))])

    def author_names(self, counts: list[int]) -> list[str]:
        return self.rng.sample(self.p.names, min(self.rng.choice(counts), len(self.p.names)))

    def daily_entry(
        self, arxiv_id: str, published: dt.datetime, on_list: dt.datetime
    ) -> dict[str, Any]:
        """One daily-list entry in the 2026 daily-papers API shape."""
        rng, p = self.rng, self.p
        title, summary = self.title(), self.abstract()
        authors: list[dict[str, Any]] = []
        for name in self.author_names(p.author_counts):
            author: dict[str, Any] = {"_id": self.hex_id(), "name": name, "hidden": False}
            if rng.random() < p.share_hf_user and p.hf_users:
                author["user"] = rng.choice(p.hf_users)
                author["status"] = "claimed_verified"
                author["statusLastChangedAt"] = _stamp(on_list + dt.timedelta(hours=8))
            authors.append(author)
        submitter = rng.choice(p.submitters)
        paper: dict[str, Any] = {
            "id": arxiv_id,
            "authors": authors,
            "publishedAt": _stamp(published),
            "submittedOnDailyAt": _stamp(on_list),
            "title": title,
            "submittedOnDailyBy": submitter,
            "summary": summary,
            "upvotes": rng.choice(p.upvotes),
            "discussionId": self.hex_id(),
        }
        slug = _slug(title.partition(":")[0])
        owner = rng.choice(p.repo_owners)
        if rng.random() < p.share_project:
            paper["projectPage"] = f"https://{owner.lower()}.github.io/{slug}/"
        if rng.random() < p.share_github:
            paper["githubRepo"] = f"https://github.com/{owner}/{slug}"
            paper["githubRepoAddedBy"] = rng.choice(("user", "auto"))
            paper["githubStars"] = rng.choice(p.github_stars)
        if rng.random() < p.share_ai:
            paper["ai_summary"] = rng.choice(p.ai_summaries)
            paper["ai_keywords"] = rng.choice(p.ai_keywords)
        entry: dict[str, Any] = {
            "paper": paper,
            "publishedAt": _stamp(published),
            "title": title,
            "summary": summary,
            "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png",
            "numComments": rng.choice(p.num_comments),
            "submittedBy": submitter,
        }
        if rng.random() < p.share_org:
            org = rng.choice(p.organizations)
            paper["organization"] = org
            entry["organization"] = org
        entry["isAuthorParticipating"] = any("user" in a for a in authors)
        return entry

    def snapshot_row(
        self, arxiv_id: str, published: dt.datetime, end: dt.datetime
    ) -> dict[str, Any]:
        """One line of the arXiv metadata snapshot (Kaggle) for a paper on no list."""
        rng, p = self.rng, self.p
        names = self.author_names(p.snapshot_author_counts)
        versions = [{"version": "v1", "created": email.utils.format_datetime(published, True)}]
        latest = published
        while rng.random() < 0.3 and len(versions) < 5:
            later = latest + dt.timedelta(days=rng.randint(2, 200), seconds=rng.randint(0, 86399))
            if later > end:
                break
            latest = later
            versions.append(
                {
                    "version": f"v{len(versions) + 1}",
                    "created": email.utils.format_datetime(latest, True),
                }
            )
        parsed = [[n.rpartition(" ")[2], n.rpartition(" ")[0], ""] for n in names]
        return {
            "id": arxiv_id,
            "submitter": names[0] if names else None,
            "authors": _author_line(names),
            # arXiv hard-wraps titles and indents abstracts; the importer undoes both.
            "title": _wrap(self.title()),
            "comments": rng.choice(p.comments) if rng.random() < 0.6 else None,
            "journal-ref": rng.choice(p.journal_refs) if rng.random() < 0.15 else None,
            "doi": self.doi(arxiv_id) if rng.random() < 0.15 else None,
            "report-no": None,
            "categories": rng.choice(p.categories),
            "license": rng.choice(p.licenses),
            "abstract": "  " + self.abstract() + "\n",
            "versions": versions,
            # The snapshot's last metadata change: on or a little after the last version,
            # never after the end of the corpus (the importer rejects future dates).
            "update_date": min(latest + dt.timedelta(days=rng.randint(0, 30)), end)
            .date()
            .isoformat(),
            "authors_parsed": parsed,
        }


# -- timeline -----------------------------------------------------------------------


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _spread(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder, deterministic)."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def plan_daily(
    rng: random.Random, target: int, end: dt.date, max_years: float
) -> list[tuple[dt.date, int]]:
    """Weekdays back from ``end`` with 25-60 papers each, until ``target`` papers."""
    days: list[tuple[dt.date, int]] = []
    earliest = end - dt.timedelta(days=int(max_years * 365.25))
    day, placed = end, 0
    while placed < target and day > earliest:
        if day.weekday() < 5:
            count = min(round(rng.triangular(*PER_DAY)), target - placed)
            days.append((day, count))
            placed += count
        day -= dt.timedelta(days=1)
    days.reverse()
    return days


class IdAllocator:
    """Unique YYMM.NNNNN ids, numbered upwards within each month with random gaps."""

    def __init__(self, rng: random.Random, max_gap: int) -> None:
        self.rng = rng
        self.max_gap = max_gap
        self.next: dict[str, int] = {}

    def take(self, moment: dt.datetime) -> str:
        yymm = moment.strftime("%y%m")
        number = self.next.get(yymm, 0) + self.rng.randint(1, self.max_gap)
        if number > 99999:
            raise SystemExit(f"more than 99,999 papers in {yymm}: use an earlier --since")
        self.next[yymm] = number
        return f"{yymm}.{number:05d}"


class HashedWriter:
    """Writes text files and folds every byte (with its file name) into one digest."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.digest = hashlib.sha256()
        self.bytes = 0
        self.files = 0

    def write(self, handle: TextIO, relative: str, text: str) -> None:
        data = text.encode()
        self.digest.update(relative.encode() + b"\0" + data)
        self.bytes += len(data)
        handle.write(text)


def generate(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    pools = load_pools(args.data)
    maker = Maker(pools, rng)
    end_day: dt.date = args.end
    end = dt.datetime.combine(end_day, dt.time(23, 59, 59), dt.UTC)

    days = plan_daily(rng, round(args.papers * args.daily_share), end_day, args.daily_years)
    on_list = sum(count for _, count in days)
    off_list = args.papers - on_list
    since: dt.date = (
        min(args.since, days[0][0] - MAX_LAG - dt.timedelta(days=31)) if days else args.since
    )
    months = _months(since, end_day)
    # arXiv's monthly submissions roughly tripled over the last decade; grow linearly.
    weights = [1.0 + 2.0 * i / max(len(months) - 1, 1) for i in range(len(months))]
    per_month = _spread(off_list, weights)
    busiest = max(per_month, default=0) + 23 * PER_DAY[1]
    ids = IdAllocator(rng, max(1, min(9, 90_000 // max(busiest, 1))))

    out: Path = args.out
    (out / "daily").mkdir(parents=True, exist_ok=True)
    (out / "arxiv-snapshot").mkdir(parents=True, exist_ok=True)
    writer = HashedWriter(out)
    day_index = 0
    year_handle: TextIO | None = None
    year_open = 0
    started = time.perf_counter()
    done = 0
    for month, count in zip(months, per_month, strict=True):
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        month_start = dt.datetime.combine(month, dt.time(), dt.UTC)
        span = (
            min(dt.datetime.combine(next_month, dt.time(), dt.UTC), end) - month_start
        ).total_seconds()
        # Papers on no list: arXiv snapshot rows, in order of their first version.
        if count:
            if year_handle is None or year_open != month.year:
                if year_handle:
                    year_handle.close()
                year_open = month.year
                year_handle = (out / "arxiv-snapshot" / f"arxiv-{month.year}.jsonl").open("w")
            relative = f"arxiv-snapshot/arxiv-{month.year}.jsonl"
            offsets = sorted(rng.random() * span for _ in range(count))
            lines = []
            for offset in offsets:
                published = month_start + dt.timedelta(seconds=int(offset))
                row = maker.snapshot_row(ids.take(published), published, end)
                lines.append(json.dumps(row) + "\n")
            writer.write(year_handle, relative, "".join(lines))
            done += count
        # Daily-list days of this month: one file per day, like the upstream API.
        while day_index < len(days) and days[day_index][0] < next_month:
            day, n = days[day_index]
            day_index += 1
            midnight = dt.datetime.combine(day, dt.time(), dt.UTC)
            listed = sorted(
                midnight
                + dt.timedelta(
                    seconds=rng.choice(pools.times_of_day), milliseconds=rng.randint(0, 999)
                )
                for _ in range(n)
            )
            entries = []
            for when in listed:
                published = when - dt.timedelta(seconds=rng.choice(pools.lags))
                entries.append(maker.daily_entry(ids.take(published), published, when))
            relative = f"daily/{day.isoformat()}.json"
            with (out / relative).open("w") as handle:
                # A JSON list with one entry per line: the same document as the upstream
                # files, but indent= would switch json to its pure-Python encoder (5x slower).
                text = "[\n" + ",\n".join(json.dumps(e) for e in entries) + "\n]\n"
                writer.write(handle, relative, text)
            done += n
        if args.progress and done and month.month == 12:
            rate = done / (time.perf_counter() - started)
            print(f"  {month:%Y}  {done:>9,} papers  {rate:,.0f}/s", file=sys.stderr)
    if year_handle:
        year_handle.close()
    seconds = time.perf_counter() - started
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "papers": args.papers,
        "seed": args.seed,
        "on_daily_list": on_list,
        "daily_days": len(days),
        "first_day": days[0][0].isoformat() if days else None,
        "last_day": days[-1][0].isoformat() if days else None,
        "arxiv_only": off_list,
        "arxiv_since": since.isoformat(),
        "end": end_day.isoformat(),
        "bytes": writer.bytes,
        "sha256": writer.digest.hexdigest(),
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(_common.peak_rss_mib_self(), 1),
        "pool_sizes": {
            "titles": len(pools.titles),
            "title_parts": len(pools.colon_heads) + len(pools.left_parts),
            "sentences": len(pools.openers) + len(pools.sentences),
            "author_names": len(pools.names),
            "organizations": len(pools.organizations),
        },
    }
    (out / "corpus.manifest").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True, help="folder to create (must be empty)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--daily-share", type=float, default=0.6, help="share on the daily list")
    parser.add_argument("--daily-years", type=float, default=6.0, help="longest daily-list span")
    # A fixed end, not "today", so a seed means the same corpus on any day.
    parser.add_argument("--end", type=_date, default=dt.date(2026, 11, 27))
    parser.add_argument(
        "--since", type=_date, default=dt.date(2015, 1, 1), help="first arXiv month"
    )
    parser.add_argument("--data", type=Path, default=_common.SHARED_DATA, help=argparse.SUPPRESS)
    parser.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=sys.stderr.isatty()
    )
    args = parser.parse_args(argv)
    if args.since < dt.date(2015, 1, 1):
        parser.error("--since before 2015-01 would need four-digit arXiv numbers")
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty")

    started = _common.print_machine()
    print(f"Generating {args.papers:,} papers (seed {args.seed}) into {args.out}")
    sys.stdout.flush()
    m = generate(args)
    rate = m["papers"] / max(m["seconds"], 1e-9)
    print(
        f"  {m['on_daily_list']:,} on the daily list over {m['daily_days']:,} weekdays "
        f"({m['first_day']} .. {m['last_day']}), "
        f"{m['arxiv_only']:,} arXiv-only since {m['arxiv_since']}"
    )
    print(
        f"  {m['bytes'] / 2**20:,.0f} MiB in {m['seconds']:.1f} s ({rate:,.0f} papers/s), "
        f"peak RSS {m['peak_rss_mib']:.0f} MiB"
    )
    print(f"  sha256 {m['sha256']}")
    row = [
        m["papers"],
        f"{m['on_daily_list']:,} on {m['daily_days']:,} weekdays, "
        f"{m['first_day']} .. {m['last_day']}",
        m["arxiv_only"],
        f"{m['bytes'] / 2**20:,.0f} MiB",
        f"{m['seconds']:.1f} s",
        round(rate),
        f"{m['peak_rss_mib']:.0f} MiB",
    ]
    columns = ["papers", "on the daily list", "arXiv-only", "size", "time", "papers/s"]
    results.write(
        f"corpus-{_common.human_count(args.papers)}",
        title=f"generate_corpus.py, {_common.human_count(args.papers)} papers",
        command=results.command_line(__file__, argv),
        tables=[results.table([*columns, "peak RSS"], [row])],
        started=started,
        numbers={k: v for k, v in m.items() if k != "pool_sizes"},
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
