"""Marked words in search results: a snippet made from the words around the first match
is the snippet of the whole abstract's marks."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from dailypapers.search import highlight

WORDS = ["model", "models", "language", "the", "Learning", "learned", "graph", "é", "x1"]
text_st = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.text(alphabet="abcdé λ-.,;\n", min_size=1, max_size=12),
    ),
    max_size=120,
).map(" ".join)
wanted_st = st.lists(st.sampled_from(["model", "languag", "learn", "graph", "", "x1"])).map(set)


@given(text=text_st, wanted=wanted_st, limit=st.sampled_from([5, 40, 300]))
@example(text="models " * 80, wanted={"model"}, limit=300)
@example(text="a" * 400 + " model", wanted={"model"}, limit=300)
@example(text="x" * 500, wanted={"model"}, limit=300)
def test_snippet_of_is_the_snippet_of_the_whole_marks(
    text: str, wanted: set[str], limit: int
) -> None:
    whole = highlight.snippet(highlight.segments(text, wanted), limit)
    assert highlight.snippet_of(text, wanted, limit) == whole


def test_a_snippet_shows_the_first_match_in_a_long_abstract() -> None:
    text = ("filler words here " * 40) + "graph networks learn " + ("more words " * 40)
    pieces = highlight.snippet_of(text, highlight.stems(["graphs"]))
    assert pieces[0] == {"type": "text", "text": "…"} and pieces[-1]["text"] == "…"
    assert {"type": "highlight", "text": "graph"} in pieces
    assert len("".join(p["text"] for p in pieces)) <= 302
