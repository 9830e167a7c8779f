"""The For-you ranking on plain arrays (no database): profile, linear model, fusion, reasons."""

from __future__ import annotations

import numpy as np

from dailypapers.foryou import ranking


def vec(*hot: int, dim: int = 8) -> ranking.Vectors:
    out = np.zeros(dim, dtype=np.float32)
    out[list(hot)] = 1.0
    return ranking.unit(out)


def test_recent_papers_weigh_more_in_the_profile() -> None:
    vectors = {1: vec(0), 2: vec(1)}
    profile = ranking.build(
        [ranking.Signal(1, "upvoted", 0.0), ranking.Signal(2, "upvoted", 365.0)], vectors
    )
    assert profile.mean is not None and profile.mean[0] > 10 * profile.mean[1]


def test_a_linear_model_only_with_enough_positives_and_a_background() -> None:
    rng = np.random.default_rng(0)
    vectors = {i: ranking.unit(rng.normal(size=8).astype(np.float32)) for i in range(120)}
    for i in range(10):
        vectors[i] = ranking.unit(np.abs(vectors[i]) + np.eye(8, dtype=np.float32)[0] * 3)
    liked = [ranking.Signal(i, "upvoted", 1.0) for i in range(10)]
    shared = ranking.background(np.stack([vectors[i] for i in range(20, 120)]))
    assert shared is not None
    assert ranking.background(np.stack([vectors[i] for i in range(20, 30)])) is None  # too few
    few = ranking.build(liked[:4], vectors, background=shared)
    assert few.weights is None
    assert ranking.build(liked, vectors).weights is None  # no shared negatives: no model
    fitted = ranking.build(liked, vectors, background=shared)
    assert fitted.weights is not None
    scores = np.stack([vectors[i] for i in range(120)]) @ fitted.weights + fitted.bias
    assert scores[:10].mean() > scores[20:].mean() + 1.0
    # The liked side is positive and the background negative: the bias sits between them.
    assert scores[:10].mean() > 0 > scores[20:].mean()


def test_less_like_this_pulls_the_linear_model_away() -> None:
    rng = np.random.default_rng(1)
    vectors = {i: ranking.unit(rng.normal(size=8).astype(np.float32)) for i in range(100)}
    shared = ranking.background(np.stack(list(vectors.values())))
    liked = [ranking.Signal(i, "upvoted", 1.0) for i in range(5)]
    vectors[200] = vec(3)
    plain = ranking.build(liked, vectors, background=shared)
    less = ranking.build([*liked, ranking.Signal(200, "less", 0.0)], vectors, background=shared)
    assert plain.weights is not None and less.weights is not None
    assert float(vectors[200] @ less.weights + less.bias) < float(
        vectors[200] @ plain.weights + plain.bias
    )


def test_ties_share_their_rank() -> None:
    ranks = ranking.tied_ranks(np.asarray([0.0, 2.0, 0.0, 0.0, 1.0]))
    assert ranks.tolist() == [3.0, 0.0, 3.0, 3.0, 1.0]


def test_fusion_keeps_the_top_of_the_list_near_the_top() -> None:
    vectors = {i: vec(i % 8) for i in range(40)}
    profile = ranking.build([ranking.Signal(100, "upvoted", 0.0)], {100: vec(7)})
    ranked = ranking.rank(profile, [ranking.Candidate(i) for i in range(40)], vectors)
    order = [r.paper_id for r in ranked]
    assert order[0] == 7  # the first paper like the reader's
    assert order.index(0) <= 5  # the list's first stays near the top
    unfused = ranking.rank(profile, [ranking.Candidate(i) for i in range(40)], vectors, fuse=False)
    assert [r.paper_id for r in unfused][:5] == [7, 15, 23, 31, 39]


def test_less_like_this_sinks_the_paper_and_its_neighbours() -> None:
    vectors = {i: vec(i % 4) for i in range(8)}
    profile = ranking.build(
        [ranking.Signal(0, "upvoted", 0.0), ranking.Signal(4, "less", 0.0)],
        vectors,
    )
    ranked = ranking.rank(profile, [ranking.Candidate(i) for i in range(8)], vectors)
    assert ranked[-1].paper_id == 4 and ranked[-1].reason == "you asked for less like this"
    # Paper 0 is both liked and like the dismissed one: the dismissal costs it a little.
    assert ranked[0].paper_id == 0


def test_reasons_name_the_signal_that_lifted_the_paper() -> None:
    vectors = {1: vec(0), 2: vec(0), 3: vec(1), 10: vec(0), 11: vec(2), 12: vec(3)}
    profile = ranking.build(
        [
            ranking.Signal(1, "upvoted", 0.0, "A paper on zero", ("ada",), ("cs.CL",)),
            ranking.Signal(2, "collected", 0.0, "Another on zero", ("bob",), ("cs.CL",)),
            ranking.Signal(3, "upvoted", 0.0, "On one", ("cy",), ("cs.CL",)),
        ],
        vectors,
        followed_authors=["dee"],
        exclude_authors=["cy"],
    )
    candidates = [
        ranking.Candidate(10),
        ranking.Candidate(11, ("dee",)),
        ranking.Candidate(12, ("cy",), ("cs.CL",)),
    ]
    reasons = {
        r.paper_id: r.reason
        for r in ranking.rank(profile, candidates, vectors, names={"dee": "Dee Writer"})
    }
    assert reasons[10].startswith("like 2 papers you saved: “Another on zero”") or reasons[
        10
    ].startswith("like 2 papers you upvoted")
    assert reasons[11] == "by Dee Writer, an author you follow"
    assert reasons[12] == "in cs.CL, which you read most"  # the reader's own name does not count


def test_one_blas_thread_inside_the_block_and_the_setting_back_after() -> None:
    import pytest

    from dailypapers.foryou import blas

    if blas._calls is None:
        pytest.skip("numpy here does not use OpenBLAS")
    get, put = blas._calls
    before = get()
    put(2)
    try:
        with blas.one_thread():
            assert get() == 1
            with blas.one_thread():  # nested: still one, and the outer block restores
                assert get() == 1
            assert get() == 1
        assert get() == 2
    finally:
        put(before)
