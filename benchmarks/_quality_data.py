"""The collections search_quality.py measures on, and how they go into a hub's database.

Each collection gives its documents (as PaperRecords for the normal import path), its
queries and its judgments, keyed by the collection's own document ids (strings).
Cranfield and SciFact papers get made-up arXiv ids ("2001.00042" for the 42nd
document) so they pass the import path unchanged; the daily papers keep theirs and
are imported from their files by ``dailypapers import``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

SHARED = Path("/work/shared/data")
BENCH_DIR = Path(__file__).resolve().parent
Qrels = dict[str, dict[str, int]]


@dataclass
class Collection:
    name: str
    queries: dict[str, str]
    qrels: Qrels
    # (doc id, title, abstract) of documents imported with upsert_papers; empty when
    # ``import_path`` is imported with the command line instead.
    docs: list[tuple[str, str, str]] = field(default_factory=list)
    import_path: Path | None = None

    def tune(self) -> list[str]:
        """The queries settings are chosen on: odd numeric ids (the rest report)."""
        return [q for q in self.queries if int(q) % 2 == 1]

    def held(self) -> list[str]:
        return [q for q in self.queries if int(q) % 2 == 0]


def _smart(path: Path) -> list[dict[str, str]]:
    """SMART format: ``.I n`` starts a record, ``.X`` starts field X."""
    records: list[dict[str, str]] = []
    key = ""
    for line in path.read_text().splitlines():
        if line.startswith(".I"):
            records.append({"I": line[2:].strip()})
            key = ""
        elif len(line) == 2 and line.startswith("."):
            key = line[1]
            records[-1][key] = ""
        elif key:
            records[-1][key] += line + " "
    return records


def cranfield() -> Collection:
    folder = SHARED / "cranfield"
    docs = [
        (r["I"], " ".join(r.get("T", "").split()), " ".join(r.get("W", "").split()))
        for r in _smart(folder / "cran.all.1400")
    ]
    # The judgments number the queries 1..225 in file order, not by their .I.
    queries = {
        str(n): " ".join(r.get("W", "").split())
        for n, r in enumerate(_smart(folder / "cran.qry"), 1)
    }
    qrels: Qrels = {}
    for line in (folder / "cranqrel").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            grade = int(parts[2])
            # Grade 1 is a complete answer, 4 of minimum interest, -1 of none.
            qrels.setdefault(parts[0], {})[parts[1]] = 5 - grade if 1 <= grade <= 4 else 0
    return Collection("cranfield", queries, qrels, docs)


def scifact() -> Collection:
    folder = SHARED / "scifact"
    docs = []
    for line in (folder / "corpus.jsonl").read_text().splitlines():
        row = json.loads(line)
        docs.append((row["_id"], " ".join(row["title"].split()), " ".join(row["text"].split())))
    queries = {}
    for line in (folder / "queries-dev.jsonl").read_text().splitlines():
        row = json.loads(line)
        queries[row["_id"]] = row["text"]
    qrels: Qrels = {}
    for line in (folder / "qrels-dev.tsv").read_text().splitlines()[1:]:
        query, doc, score = line.split("\t")
        qrels.setdefault(query, {})[doc] = int(score)
    return Collection("scifact", {q: t for q, t in queries.items() if q in qrels}, qrels, docs)


def known_items() -> Collection:
    queries: dict[str, str] = {}
    qrels: Qrels = {}
    for line in (BENCH_DIR / "known_items" / "daily-papers.jsonl").read_text().splitlines():
        row = json.loads(line)
        queries[str(row["id"])] = row["query"]
        qrels[str(row["id"])] = {row["arxiv_id"]: 1}
    return Collection("known-items", queries, qrels, import_path=SHARED / "hf-daily-papers")


COLLECTIONS = {"cranfield": cranfield, "scifact": scifact, "known-items": known_items}


def made_up_id(n: int) -> str:
    return f"2001.{n:05d}"
