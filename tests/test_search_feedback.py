"""The feedback pass: the query's vector moved towards its best first-pass results.

The ranking uses the stand-in encoder of test_search_dense (hashed word counts), so
"meaning" here is shared words: the real model runs in test_search_dense and in
benchmarks/search_quality.py, but its similarities cannot be read off a test's
papers, and these tests check what the pass does with whatever vectors it gets.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dailypapers.search import Filters, dense, embed, engine, feedback
from tests.support.factories import paper
from tests.test_search_dense import own_index, words_encoder  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("words_encoder")]


@contextlib.contextmanager
def pass_off() -> Iterator[None]:
    saved = feedback.ENABLED
    feedback.ENABLED = False
    try:
        yield
    finally:
        feedback.ENABLED = saved


def unit(n: int) -> npt.NDArray[np.float32]:
    out = np.zeros(8, dtype=np.float32)
    out[n] = 1.0
    return out


def test_the_query_moves_towards_its_top_results_the_first_most(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    query, first, second = unit(0), unit(1), unit(2)
    moved = feedback.expanded_vector(query, [first, second])
    assert abs(float(np.linalg.norm(moved)) - 1.0) < 1e-6
    # Weighted by rank: the first result counts twice the second.
    assert moved[1] == pytest.approx(2 * moved[2])
    # With VECTOR_WEIGHT 2, the results together outweigh the query.
    assert moved[1] + moved[2] > moved[0] > 0
    assert feedback.expanded_vector(query, []) is query
    monkeypatch.setattr(feedback, "WEIGHTING", "uniform")
    even = feedback.expanded_vector(query, [first, second])
    assert even[1] == pytest.approx(even[2])


@pytest.fixture
def spin_glasses() -> None:
    # One paper answers "quantum annealing" plainly; its neighbour by subject shares no
    # word with the query; the others share one word each.
    paper(
        "2605.00001",
        title="Quantum annealing",
        abstract="Ground states of frustrated spin glasses found by annealing schedules.",
    )
    paper(
        "2605.00002",
        title="Frustrated spin glasses",
        abstract="Ground states of frustrated spin glasses found by schedules.",
    )
    paper("2605.00003", title="Annealing steel", abstract="Furnaces, alloys and cooling rates.")
    paper("2605.00004", title="Quantum sensors", abstract="Sensing magnetic fields with qubits.")
    paper("2605.00005", title="Quantum networks", abstract="Entangled links between cities.")
    paper("2605.00006", title="Simulated annealing", abstract="Heuristics for vehicle routing.")


def ranks(query: str) -> list[str]:
    return [hit.paper.arxiv_id for hit in engine.search(query).hits]


def test_a_paper_about_what_the_best_result_is_about_rises(spin_glasses: None) -> None:
    embed.run(timezone.now())
    with_pass = ranks("quantum annealing")
    with pass_off():
        without = ranks("quantum annealing")
    assert with_pass[0] == without[0] == "2605.00001"
    # Without the pass the neighbour, matching no query word, comes last; with it, it
    # passes two papers that match one.
    assert without[-1] == "2605.00002"
    assert with_pass.index("2605.00002") <= len(with_pass) - 3


def test_the_pass_reads_nothing_more_from_the_database(spin_glasses: None) -> None:
    embed.run(timezone.now())
    engine.search("quantum annealing")  # indexes opened, caches warm
    with CaptureQueriesContext(connection) as with_pass:
        engine.search("quantum annealing")
    with pass_off(), CaptureQueriesContext(connection) as without:
        engine.search("quantum annealing")
    assert len(with_pass) == len(without)


def test_words_only_and_exact_queries_skip_the_pass(
    spin_glasses: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    embed.run(timezone.now())
    calls: list[int] = []
    real = feedback.expanded_vector

    def counted(*args: object) -> object:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(feedback, "expanded_vector", counted)
    engine.search("quantum annealing", use_dense=False)
    engine.search('"quantum annealing"')
    assert calls == []
    engine.search("quantum annealing")
    assert calls == [1]


def test_the_setting_turns_the_pass_off(
    spin_glasses: None,
    settings: Any,
) -> None:
    embed.run(timezone.now())
    with_pass = ranks("quantum annealing")
    settings.SEARCH_FEEDBACK = False
    assert ranks("quantum annealing") != with_pass
    with pass_off():
        without = ranks("quantum annealing")
    assert ranks("quantum annealing") == without


def test_with_filters_the_pass_follows_only_papers_that_pass_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = "https://github.com/lab/code"
    best = paper("2605.00011", title="Quantum annealing", abstract="Quantum annealing schedules.")
    coded = [
        paper("2605.00012", title="Quantum annealing chips", abstract="Qubits.", github_repo=repo),
        paper("2605.00013", title="Annealing furnaces", abstract="Steel.", github_repo=repo),
    ]
    embed.run(timezone.now())
    dense.sync()
    vectors = dense.store()
    assert vectors is not None
    followed: list[list[int]] = []
    real = feedback.expanded_vector

    def spy(query: npt.NDArray[np.float32], top: list[npt.NDArray[np.float32]]) -> object:
        ids = []
        for row in top:
            for p in (best, *coded):
                known = vectors.vector(p.pk)
                if known is not None and np.allclose(known, row):
                    ids.append(p.pk)
        followed.append(ids)
        return real(query, top)

    monkeypatch.setattr(feedback, "expanded_vector", spy)
    engine.search("quantum annealing")
    assert followed[-1][0] == best.pk
    hits = engine.search("quantum annealing", filters=Filters(has_code=True)).hits
    assert {h.paper.pk for h in hits} == {p.pk for p in coded}
    assert best.pk not in followed[-1]
    assert followed[-1] and set(followed[-1]) <= {p.pk for p in coded}
