"""Ranking settings that benchmarks/search_quality.py chose, and its known-item set."""

from __future__ import annotations

import json
from pathlib import Path

from dailypapers.search import fusion
from tests.support.shared import SHARED_DATA

KNOWN_ITEMS = Path(__file__).resolve().parent.parent / "benchmarks" / "known_items"


def test_fusion_reads_its_weight_when_called() -> None:
    # The weight used to be bound when the module loaded: a changed setting was ignored.
    lexical = [(1, 3.0), (2, 1.0)]
    dense = [(2, 0.9), (1, 0.1)]
    saved = fusion.ALPHA
    try:
        fusion.ALPHA = 0.9
        assert fusion.fuse(lexical, dense)[0][0] == 1
        fusion.ALPHA = 0.1
        assert fusion.fuse(lexical, dense)[0][0] == 2
    finally:
        fusion.ALPHA = saved


def test_a_top_standing_far_out_of_its_list_keeps_its_lead() -> None:
    # Words: scores spread evenly, paper 1 on top, paper 2 far down. Meaning: paper 2
    # stands far out of a tight cluster, paper 1 second. Min-max gives both tops the
    # same 1, and paper 1 wins; scaled by each list's spread, paper 2's lead counts.
    lexical = sorted(
        [(1, 40.0), (2, 10.0), *((n, 40.0 - n) for n in range(3, 40))], key=lambda h: -h[1]
    )
    dense = [(2, 0.9), (1, 0.7), *((n, 0.5 - n * 0.001) for n in range(3, 40))]
    assert fusion.convex(lexical, dense, 0.45, "minmax")[0][0] == 1
    assert fusion.fuse(lexical, dense, 0.45)[0][0] == 2
    # The scale does not depend on the units: the same lists times ten fuse alike.
    tenfold = fusion.fuse([(d, s * 10) for d, s in lexical], [(d, s * 10) for d, s in dense])
    assert [d for d, _ in tenfold] == [d for d, _ in fusion.fuse(lexical, dense)]


def test_a_query_of_rare_words_leans_on_words_one_of_common_words_on_meaning() -> None:
    # Words put paper 1 first, meaning paper 2, each by as much over the same spread.
    lexical = [(1, 2.0), (2, 1.0), (3, 0.0)]
    dense = [(2, 2.0), (1, 1.0), (3, 0.0)]
    rare = fusion.rare_alpha(fusion.ALPHA, 0.9)
    common = fusion.rare_alpha(fusion.ALPHA, 0.2)
    assert common < fusion.ALPHA < rare
    assert fusion.fuse(lexical, dense, rare)[0][0] == 1
    assert fusion.fuse(lexical, dense, common)[0][0] == 2
    # The weight stays a share.
    assert 0.0 <= fusion.rare_alpha(0.02, 0.0) <= fusion.rare_alpha(0.98, 1.0) <= 1.0


def test_every_known_item_names_one_real_daily_paper() -> None:
    papers: set[str] = set()
    folder = SHARED_DATA / "hf-daily-papers"
    for path in sorted(folder.glob("api-*/*.json")):
        papers.update(entry["paper"]["id"] for entry in json.loads(path.read_text()))
    papers.update(json.loads((folder / "paperexplorer-2023-11_2024-04.json").read_text()))
    rows = [json.loads(line) for line in (KNOWN_ITEMS / "daily-papers.jsonl").open()]
    assert len(rows) >= 100
    assert len({row["id"] for row in rows}) == len(rows)
    missing = [row["arxiv_id"] for row in rows if row["arxiv_id"] not in papers]
    assert missing == []
    assert all(len(row["query"].split()) >= 4 for row in rows)
