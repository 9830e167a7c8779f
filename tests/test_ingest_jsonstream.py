"""The streaming JSON reader reads exactly what json.loads reads, a piece at a time."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dailypapers.ingest import jsonstream

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(codec="utf-8"))
)
values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def reader(text: str, limit: int = 1 << 20) -> jsonstream.Reader:
    return jsonstream.Reader(io.BytesIO(text.encode()), limit)


def elements(stream: jsonstream.Reader) -> list[object]:
    stream.take("[", "")
    return following(stream)


def following(stream: jsonstream.Reader) -> list[object]:
    """The values up to the "]" of a list whose "[" (or last ",") was taken."""
    found: list[object] = []
    if stream.peek() == "]":
        return found
    while True:
        found.append(stream.value())
        if stream.peek() == "]":
            return found
        stream.take(",", "")


@settings(max_examples=150, deadline=None)
@given(st.lists(values, max_size=6), st.integers(1, 9), st.booleans())
def test_values_come_out_as_json_loads_makes_them(
    data: list[object], chunk: int, indent: bool
) -> None:
    text = json.dumps(data, indent=1 if indent else None, ensure_ascii=False)
    original = jsonstream.CHUNK
    jsonstream.CHUNK = chunk  # values cut at every possible place
    try:
        assert elements(reader(text)) == json.loads(text)
    finally:
        jsonstream.CHUNK = original


@settings(max_examples=150, deadline=None)
@given(st.lists(values, min_size=1, max_size=6), st.integers(1, 9))
def test_skipping_a_value_stops_where_it_ends(data: list[object], chunk: int) -> None:
    text = json.dumps(data, ensure_ascii=False)
    original = jsonstream.CHUNK
    jsonstream.CHUNK = chunk
    try:
        stream = reader(text)
        stream.take("[", "")
        stream.skip_value()
        if stream.peek() == ",":
            stream.take(",", "")
        rest = following(stream)
    finally:
        jsonstream.CHUNK = original
    assert rest == data[1:]


def test_a_value_longer_than_the_limit_is_too_long_and_can_be_skipped() -> None:
    text = json.dumps(["x" * 1000, {"a": ['"]}\\' * 100]}, 7])
    stream = reader(text, limit=100)
    stream.take("[", "")
    with pytest.raises(jsonstream.TooLong):
        stream.value()
    stream.skip_value()
    stream.take(",", "")
    with pytest.raises(jsonstream.TooLong):
        stream.value()
    stream.skip_value()
    stream.take(",", "")
    assert stream.value() == 7


@pytest.mark.parametrize(
    "text, message",
    [
        ("[1, 2", "expected ','"),
        ('["open', "Unterminated string"),
        ("[tru]", "Expecting value"),
        (b"[\xff]", "not UTF-8"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_malformed_text_is_reported(text: str | bytes, message: str) -> None:
    data = text if isinstance(text, bytes) else text.encode()
    stream = jsonstream.Reader(io.BytesIO(data), 1 << 20)
    with pytest.raises(jsonstream.Malformed, match=message):
        elements(stream)
