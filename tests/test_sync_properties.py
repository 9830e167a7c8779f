"""Properties of the upstream parsers, checked on generated and mutated input.

For every parser: whatever the bytes, it returns records (and problems) or raises
its own error type, nothing else. Inputs are arbitrary bytes, the recorded
upstream responses damaged in the ways real responses get damaged (cut off, bytes
flipped, elements dropped or repeated, text replaced by control characters, NUL,
surrogates written as UTF-8, huge numbers, impossible dates, wrong JSON types),
and well-formed documents written from a small model, which must read back with
their id, version and title. Every record that comes out is storable: no NUL, no
lone surrogate (PostgreSQL refuses both), dates aware and between 1991 and now.

Runs are derandomized and keep no example database, so CI sees the same examples
every time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import html
import json
import re
import string
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dailypapers.core import arxiv_ids
from dailypapers.core.text import clean
from dailypapers.ingest import arxiv_api, formats, hf_api, oai, rss, sources, xmlsafe
from dailypapers.ingest.formats import Item, Problem
from dailypapers.papers.records import PaperRecord
from tests.support.replay import ARXIV_2016, HF_DAILY, OAI_ARXIV, OAI_RAW, RSS, UPSTREAM

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ROUND_TRIP = settings(PROPERTY, max_examples=100)

# -- recorded samples (kept small: mutating a 2.8 MB feed a hundred times is slow) --

ARXIV_BODIES = UPSTREAM / "arxiv-api" / "recorded_2026_bodies_derived"
SNAPSHOTS = UPSTREAM / "arxiv-kaggle-snapshot"


def _first_items(body: bytes, tag: bytes, keep: int) -> bytes:
    """The document with only its first ``keep`` ``tag`` elements (cut at a boundary)."""
    closing = b"</" + tag + b">"
    end = 0
    for _ in range(keep):
        end = body.index(closing, end) + len(closing)
    tail = body[body.rindex(closing) + len(closing) :]
    return body[:end] + tail


def _first_entries(path: Path, keep: int) -> list[Any]:
    data: list[Any] = json.loads(path.read_text())
    return data[:keep]


ATOM_SAMPLES = [
    (ARXIV_BODIES / name).read_bytes()
    for name in (
        "id_1605.08386_s0_m100_199195aa31ad.xml",
        "id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml",
        "id_astro-ph_0601001_s0_m100_3150dca9dc76.xml",
        "id_abc_s0_m100_b79c8dcf6bc3.xml",
        "id_0000.0000_s0_m100_8b51d9633a68.xml",
    )
] + [
    _first_items((ARXIV_BODIES / "q_testing_s0_m10_bc5a6c384fe9.xml").read_bytes(), b"entry", 3),
    (ARXIV_2016 / "id_list_1111.2011v2.xml").read_bytes(),
    (ARXIV_2016 / "search_au_del_maestro_AND_ti_checkerboard.xml").read_bytes(),
]
OAI_RAW_SAMPLES = [
    (OAI_RAW / name).read_bytes()
    for name in (
        "ListRecordsResponse.xml",
        "GetRecordResponse.xml",
        "ErrorResponseBadResumptionToken.xml",
        "ErrorResponseNoRecordsMatch.xml",
    )
]
OAI_ARXIV_SAMPLES = [
    (OAI_ARXIV / name).read_bytes()
    for name in ("arxiv-single.xml", "arxiv-physics-hep-th.xml", "sample_arxiv_record4.xml")
]
RSS_SAMPLES = [
    (RSS / "empty_rss_mock_feed.xml").read_bytes(),
    (RSS / "error_rss_mock_feed.xml").read_bytes(),
    _first_items((RSS / "rss_mock_feed_all_archives_2024-11-28.xml").read_bytes(), b"item", 4),
]
HF_SAMPLES: list[Any] = [
    json.loads((UPSTREAM / "hf-api" / "daily_papers_2024-10-25_excerpt.json").read_text()),
    _first_entries(HF_DAILY / "api-raw-2024-03_2024-04" / "daily_papers_2024-03-12.json", 2),
    _first_entries(HF_DAILY / "api-2026-03_2026-08" / "2026-04-07.json", 2),
    json.loads((UPSTREAM / "hf-api" / "hf_error_404_body.json").read_text()),
]
SNAPSHOT_ROWS: list[Any] = [
    json.loads(line)
    for path in sorted(SNAPSHOTS.glob("*.jsonl"))
    for line in path.read_text().splitlines()[:3]
]

# -- what every parsed record must be ------------------------------------------------

NOW_SLACK = sources.FUTURE_SLACK + dt.timedelta(days=1)


def storable(text: str) -> bool:
    """Text PostgreSQL accepts: no NUL, and no lone surrogate (it must encode as UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _texts(record: PaperRecord) -> Iterable[str]:
    yield from (record.arxiv_id, record.title, record.abstract, record.categories)
    yield from (record.comments, record.journal_ref, record.doi, record.github_repo)
    yield from (record.project_page, record.ai_summary, *record.ai_keywords)
    for author in record.authors:
        yield from author
    if record.organization:
        org = record.organization
        yield from (org.slug, org.name, org.avatar_url)
    if record.submission:
        yield from (record.submission.submitter_name, record.submission.submitter_fullname)


def sane_moment(moment: dt.datetime | None) -> bool:
    if moment is None:
        return True
    latest = dt.datetime.now(dt.UTC) + NOW_SLACK
    return moment.tzinfo is not None and sources.EARLIEST <= moment <= latest


def check_record(record: PaperRecord) -> None:
    assert arxiv_ids.parse(record.arxiv_id) == arxiv_ids.ArxivId(record.arxiv_id, None)
    assert record.version is None or 1 <= record.version < sources.MAX_VERSION
    assert record.title and record.title == clean(record.title)
    for text in _texts(record):
        assert storable(text), (record.location, text)
    moments = [record.published_at, record.updated_at_source, record.observed_at]
    if record.submission:
        moments.append(record.submission.submitted_at)
    assert all(sane_moment(m) for m in moments), moments
    for number in (record.upvotes, record.num_comments, record.github_stars):
        assert number is None or 0 <= number <= sources.MAX_COUNT
    assert len(record.authors) <= sources.MAX_AUTHORS
    assert all(0 < len(a.name) <= sources.MAX_NAME for a in record.authors)


def check_items(items: Iterable[Item]) -> list[PaperRecord]:
    records = []
    for item in items:
        if isinstance(item, Problem):
            assert storable(item.location) and storable(item.reason), item
        else:
            check_record(item)
            records.append(item)
    return records


# -- hostile values --------------------------------------------------------------------

HUGE_NUMBERS = [
    "9" * 30,
    "18446744073709551616",
    "-1",
    "1e999",
    "0",
    "v0",
    "v" + "9" * 20,
    "9" * 5000,  # int() refuses more than 4300 digits
    "v" + "9" * 5000,
]
ABSURD_DATES = [
    "0000-01-01",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59-23:59",
    "99999-12-31T23:59:59Z",
    "2007-02-30",
    "2007-13-01T00:00:00Z",
    "1990-12-31T00:00:00Z",
    "2999-01-01T00:00:00Z",
    "Mon, 2 Apr 99999 19:18:42 GMT",
    "Fri, 31 Dec 9999 23:59:59 -0100",
    "Mon, 1 Jan 0001 00:00:00 +0100",
    "Sat, 0 Jan 2007 00:00:00 GMT",
    "Mon, 2 Apr 2007 25:61:61 GMT",
    "NaN",
]
# Control characters, NUL, lone surrogates, line and paragraph separators.
NASTY_CHARS = st.characters(codec=None, categories=["Cc", "Cs", "Zl", "Zp", "Cf", "Co"])
NASTY_TEXT = st.one_of(
    st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfffy", "\x00\ud83d", "\ufeff\x7f\x1b"]),
    st.text(max_size=40),
    st.text(NASTY_CHARS, max_size=20),
    st.text(st.one_of(NASTY_CHARS, st.characters()), max_size=40),
    st.sampled_from(HUGE_NUMBERS + ABSURD_DATES),
)


def garbage(text: str) -> bytes:
    """``text`` as UTF-8, lone surrogates included (as an encoder that does not check writes)."""
    return text.encode("utf-8", "surrogatepass")


# -- mutating XML ----------------------------------------------------------------------

_LEAF = re.compile(rb"<([A-Za-z][\w:.-]*)((?:\s[^<>]*)?)>([^<]*)</\1>")
_OPEN = re.compile(rb"<([A-Za-z][\w:.-]*)[\s>]")
_ATTRIBUTE = re.compile(rb"""([\w:.-]+)=("[^"<>]*"|'[^'<>]*')""")
_DECLARATION = re.compile(rb"^<\?xml[^>]*\?>")
ENCODINGS = ["utf-8", "UTF-16", "latin-1", "shift_jis", "utf-32", "no-such-encoding", "ascii"]


def _pick(data: st.DataObject, matches: list[re.Match[bytes]]) -> re.Match[bytes] | None:
    if not matches:
        return None
    return matches[data.draw(st.integers(0, len(matches) - 1))]


def _element_span(body: bytes, match: re.Match[bytes]) -> tuple[int, int] | None:
    closing = b"</" + match.group(1) + b">"
    end = body.find(closing, match.start())
    return None if end < 0 else (match.start(), end + len(closing))


def mutate_xml(data: st.DataObject, body: bytes) -> bytes:
    for _ in range(data.draw(st.integers(1, 3))):
        operation = data.draw(
            st.sampled_from(
                [
                    "truncate",
                    "flip",
                    "text",
                    "raw-text",
                    "drop",
                    "repeat",
                    "drop-block",
                    "repeat-block",
                    "attribute",
                    "encoding",
                ]
            )
        )
        if operation == "truncate" and body:
            body = body[: data.draw(st.integers(0, len(body) - 1))]
        elif operation == "flip" and body:
            at = data.draw(st.integers(0, len(body) - 1))
            body = body[:at] + bytes([body[at] ^ data.draw(st.integers(1, 255))]) + body[at + 1 :]
        elif operation in ("text", "raw-text", "drop", "repeat"):
            leaf = _pick(data, list(_LEAF.finditer(body)))
            if leaf is None:
                continue
            start, end = leaf.span()
            if operation == "drop":
                body = body[:start] + body[end:]
            elif operation == "repeat":
                body = body[:end] + leaf.group(0) + body[end:]
            else:
                value = data.draw(NASTY_TEXT)
                # Escaped, the document stays well-formed unless the characters are
                # not allowed in XML at all; raw, it may not.
                new = garbage(escape(value) if operation == "text" else value)
                body = body[: leaf.start(3)] + new + body[leaf.end(3) :]
        elif operation in ("drop-block", "repeat-block"):
            opened = _pick(data, list(_OPEN.finditer(body)))
            span = _element_span(body, opened) if opened else None
            if span is None:
                continue
            start, end = span
            block = body[start:end]
            body = (
                body[:start] + body[end:]
                if operation == "drop-block"
                else body[:end] + block + body[end:]
            )
        elif operation == "attribute":
            attribute = _pick(data, list(_ATTRIBUTE.finditer(body)))
            if attribute is None:
                continue
            quoted = garbage(escape(data.draw(NASTY_TEXT), {'"': "&quot;", "'": "&apos;"}))
            quote = attribute.group(2)[:1]
            start, end = attribute.span(2)
            body = body[:start] + quote + quoted + quote + body[end:]
        elif operation == "encoding":
            name = data.draw(st.sampled_from(ENCODINGS)).encode()
            declaration = b'<?xml version="1.0" encoding="' + name + b'"?>'
            body = declaration + _DECLARATION.sub(b"", body.lstrip())
    return body


def bytes_or_mutated(samples: list[bytes]) -> st.SearchStrategy[bytes]:
    @st.composite
    def mutated(draw: st.DrawFn) -> bytes:
        data = draw(st.data())
        return mutate_xml(data, draw(st.sampled_from(samples)))

    return st.one_of(st.binary(max_size=2000), mutated())


# -- mutating JSON -----------------------------------------------------------------

HUGE_SENTINEL = "HUGE-NUMBER-SENTINEL"


HOSTILE_VALUES: list[Any] = [
    None,
    [],
    {},
    True,
    -1,
    0,
    2**31,
    2**63,
    10**40,
    -(10**40),
    10**4000,
    float("inf"),
    float("-inf"),
    float("nan"),
    1e308,
    HUGE_SENTINEL,
]


def _replacement(data: st.DataObject, value: Any) -> Any:
    kind = data.draw(
        st.sampled_from(
            ["hostile", "huge", "huge", "wrap", "text", "text", "date", "date", "number"]
        )
    )
    if kind == "hostile":
        return data.draw(st.sampled_from(HOSTILE_VALUES))
    if kind == "huge":
        return data.draw(st.sampled_from([HUGE_SENTINEL, 10**4000]))
    if kind == "wrap":
        # A list where an object (or a value) belongs, and the other way round.
        return data.draw(st.sampled_from([[value], {"value": value}]))
    if kind == "text":
        return data.draw(NASTY_TEXT)
    if kind == "date":
        return data.draw(st.sampled_from(ABSURD_DATES))
    return data.draw(st.one_of(st.integers(), st.floats()))


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


def _replace_key(value: Any, key: str, new: Any) -> Any:
    if isinstance(value, dict):
        return {k: new if k == key else _replace_key(v, key, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_key(v, key, new) for v in value]
    return value


def mutate_json(data: st.DataObject, value: Any) -> Any:
    """``value`` damaged in one to three places, or in one field wherever it occurs."""
    for _ in range(data.draw(st.integers(1, 3))):
        keys = sorted(_keys(value))
        everywhere: bool = data.draw(st.booleans())
        if keys and everywhere:
            key = data.draw(st.sampled_from(keys))
            value = _replace_key(value, key, _replacement(data, None))
        else:
            value = _mutate_at(data, value, 0)
    return value


def _mutate_at(data: st.DataObject, value: Any, depth: int) -> Any:
    container = isinstance(value, dict | list) and bool(value)
    if container and depth < 8 and data.draw(st.sampled_from([True, True, True, False])):
        if isinstance(value, dict):
            key = data.draw(st.sampled_from(sorted(value)))
            choice = data.draw(st.sampled_from(["descend", "descend", "drop"]))
            copy = dict(value)
            if choice == "drop":
                del copy[key]
            else:
                copy[key] = _mutate_at(data, value[key], depth + 1)
            return copy
        index = data.draw(st.integers(0, len(value) - 1))
        choice = data.draw(st.sampled_from(["descend", "descend", "drop", "repeat"]))
        items = list(value)
        if choice == "drop":
            del items[index]
        elif choice == "repeat":
            items.insert(index, items[index])
        else:
            items[index] = _mutate_at(data, items[index], depth + 1)
        return items
    return _replacement(data, value)


def dump_json(data: st.DataObject, value: Any, *, huge: str = "9" * 5000) -> bytes:
    ascii_only = data.draw(st.booleans())
    body = garbage(json.dumps(value, ensure_ascii=ascii_only))
    return body.replace(f'"{HUGE_SENTINEL}"'.encode(), huge.encode())


def damage_bytes(data: st.DataObject, body: bytes) -> bytes:
    operation = data.draw(st.sampled_from(["none", "none", "truncate", "flip"]))
    if operation == "truncate" and body:
        return body[: data.draw(st.integers(0, len(body) - 1))]
    if operation == "flip" and body:
        at = data.draw(st.integers(0, len(body) - 1))
        return body[:at] + bytes([body[at] ^ data.draw(st.integers(1, 255))]) + body[at + 1 :]
    return body


# -- 1. any input: records, problems, or the parser's own error ------------------------

DTD_IN_UTF16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE f [<!ENTITY a "b">]><f>&a;</f>'


@PROPERTY
@given(bytes_or_mutated(ATOM_SAMPLES))
@example(
    b'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:o="http://a9.com/-/spec/opensearch/1.1/">'
    b"<o:totalResults>" + b"9" * 5000 + b"</o:totalResults></feed>"
)
@example(b'<?xml version="1.0" encoding="shift_jis"?><feed/>')
def test_arxiv_feed_parses_or_raises_its_own_error(body: bytes) -> None:
    try:
        page = arxiv_api.parse_feed(body, "request")
    except arxiv_api.ArxivApiError:
        return
    check_items(page.items)
    assert 0 <= page.total <= sources.MAX_COUNT and 0 <= page.start <= sources.MAX_COUNT


@PROPERTY
@given(bytes_or_mutated(OAI_RAW_SAMPLES + OAI_ARXIV_SAMPLES))
@example(
    (OAI_RAW / "GetRecordResponse.xml")
    .read_bytes()
    .replace(b'version="v1"', b'version="v' + b"9" * 5000 + b'"')
)
def test_oai_page_parses_or_raises_its_own_error(body: bytes) -> None:
    try:
        page = oai.parse_page(body, "request")
    except oai.OaiError:
        return
    check_items(page.items)
    assert all(arxiv_ids.parse(i) == arxiv_ids.ArxivId(i, None) for i in page.deleted)
    assert page.complete_size is None or 0 <= page.complete_size <= sources.MAX_COUNT


@PROPERTY
@given(bytes_or_mutated(RSS_SAMPLES))
def test_rss_feed_parses_or_raises_its_own_error(body: bytes) -> None:
    try:
        feed = rss.parse_feed(body, "request")
    except rss.FeedError:
        return
    check_items(feed.items)
    assert sane_moment(feed.published)
    assert set(feed.kinds) <= set(rss.ANNOUNCE_TYPES)


@PROPERTY
@given(bytes_or_mutated(ATOM_SAMPLES + OAI_RAW_SAMPLES + RSS_SAMPLES))
def test_safe_xml_parses_or_raises_xml_error(body: bytes) -> None:
    with contextlib.suppress(xmlsafe.XmlError):
        xmlsafe.parse(body)


@st.composite
def documents_with_a_dtd(draw: st.DrawFn) -> bytes:
    """A recorded document with an entity-declaring DTD hidden behind a leading
    comment of any length, in any encoding expat reads."""
    body = draw(st.sampled_from(ATOM_SAMPLES + OAI_RAW_SAMPLES + RSS_SAMPLES)).decode()
    body = re.sub(r"^<\?xml[^>]*\?>", "", body.lstrip())
    root = re.search(r"<([A-Za-z][\w:.-]*)", body)
    assert root is not None
    dtd = f'<!DOCTYPE {root.group(1)} [<!ENTITY e "EXPANDED">]>'
    comment = "<!--" + "x" * draw(st.integers(0, 10_000)) + "-->"
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-16-be", "latin-1"]))
    declared = {"utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}.get(encoding, encoding)
    text = f'<?xml version="1.0" encoding="{declared}"?>{comment}\n{dtd}{body}'
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    return bom + text.encode(encoding, "xmlcharrefreplace")


@PROPERTY
@given(documents_with_a_dtd())
@example(DTD_IN_UTF16.encode("utf-16"))
def test_a_dtd_is_refused_wherever_it_hides(body: bytes) -> None:
    with pytest.raises(xmlsafe.XmlError, match="DTD"):
        xmlsafe.parse(body)


@st.composite
def hf_bodies(draw: st.DrawFn) -> bytes:
    data = draw(st.data())
    document = draw(st.sampled_from(HF_SAMPLES))
    return damage_bytes(data, dump_json(data, mutate_json(data, document)))


@PROPERTY
@given(
    st.one_of(st.binary(max_size=2000), hf_bodies()),
    st.sampled_from(["application/json", "application/json; charset=utf-8", "", "text/html"]),
)
@example(b"[" + b"1" * 5000 + b"]", "application/json")
@example(b'{"error": "bad\\u0000day\\ud800"}', "application/json")
@example(b'{"\\u0000k": {"title": "t", "url": "x"}}', "application/json")
def test_hf_day_never_raises_and_reads_only_storable_records(
    body: bytes, content_type: str
) -> None:
    check_items(hf_api.parse_day(body, content_type, "request"))


@st.composite
def json_values(draw: st.DrawFn) -> Any:
    data = draw(st.data())
    entries = [e for sample in HF_SAMPLES if isinstance(sample, list) for e in sample]
    sample = draw(st.sampled_from([*entries, *SNAPSHOT_ROWS]))
    return mutate_json(data, sample)


READERS: dict[str, Callable[[Any], PaperRecord]] = {
    "entry": lambda value: sources.entry(value, "here"),
    "hf": lambda value: sources.hf_entry(value, "here"),
    "snapshot": lambda value: sources.snapshot_row(value, "here"),
    "paperexplorer": lambda value: sources.paperexplorer_entry("2312.17653", value, "here"),
}


@PROPERTY
@given(json_values(), st.sampled_from(sorted(READERS)))
@example(
    {
        "id": "0704.0001",
        "title": "t",
        "versions": [{"version": "v1", "created": "Fri, 31 Dec 9999 23:59:59 -0100"}],
    },
    "snapshot",
)
@example({"id": "0704.0001", "title": "t", "versions": [{"version": 10**40}]}, "snapshot")
def test_record_readers_return_a_record_or_raise_bad_record(value: Any, reader: str) -> None:
    try:
        record = READERS[reader](value)
    except sources.BadRecord:
        return
    check_record(record)


def _read_lines_file(body: bytes) -> list[Item]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.jsonl"
        path.write_bytes(body)
        return list(formats.read_file(path, lambda n: None))


@st.composite
def snapshot_files(draw: st.DrawFn) -> bytes:
    data = draw(st.data())
    rows = [mutate_json(data, row) if draw(st.booleans()) else row for row in SNAPSHOT_ROWS[:4]]
    # Digit strings int() accepts; longer ones are the known bug tested below.
    lines = [dump_json(data, row, huge="9" * 4000) for row in rows]
    return damage_bytes(data, b"\n".join(lines) + b"\n")


@PROPERTY
@given(snapshot_files())
def test_snapshot_lines_read_as_records_and_problems(body: bytes) -> None:
    check_items(_read_lines_file(body))


def test_a_number_too_long_for_int_is_a_problem_on_its_line() -> None:
    good = json.dumps(SNAPSHOT_ROWS[0]).encode()
    items = _read_lines_file(b'{"id": "0704.0001", "n": ' + b"9" * 5000 + b"}\n" + good + b"\n")
    assert isinstance(items[0], Problem) and isinstance(items[1], PaperRecord)


# -- 2. well-formed documents from a small model read back exactly ---------------------


@dataclass(frozen=True)
class Paper:
    ident: str
    version: int
    title: str
    authors: tuple[str, ...]
    submitted: dt.datetime  # first version
    revised: dt.datetime  # latest version


@st.composite
def new_style_ids(draw: st.DrawFn) -> str:
    year = draw(st.integers(7, 25))
    month = draw(st.integers(4 if year == 7 else 1, 12))
    yymm = year * 100 + month
    digits = 4 if yymm < 1501 else 5
    return f"{yymm:04d}.{draw(st.integers(1, 10**digits - 1)):0{digits}d}"


@st.composite
def old_style_ids(draw: st.DrawFn) -> str:
    archive = draw(st.sampled_from(arxiv_ids.OLD_ARCHIVES))
    year, month = draw(
        st.one_of(
            st.tuples(st.integers(92, 99), st.integers(1, 12)),
            st.tuples(st.integers(0, 6), st.integers(1, 12)),
        )
    )
    return f"{archive}/{year % 100:02d}{month:02d}{draw(st.integers(1, 999)):03d}"


# Title characters: anything XML can carry and a title may hold (LaTeX, any script,
# odd spacing); cleanup must come out the same whichever format carried it.
TITLE_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn"), exclude_characters="\ufeff"
)
TITLES = st.text(st.one_of(TITLE_CHARS, st.sampled_from(" \t\n$\\{}&<>")), max_size=60).filter(
    lambda t: clean(t) != ""
)
NAME_PARTS = st.text(string.ascii_letters + "áéíöüçñ'-.", min_size=1, max_size=12).filter(
    lambda part: part != "and" and part.strip(".'-") != ""
)
NAMES = st.builds(lambda first, last: f"{first} {last}", NAME_PARTS, NAME_PARTS)
MOMENTS = st.datetimes(dt.datetime(2007, 4, 2), dt.datetime(2025, 12, 31)).map(
    lambda m: m.replace(microsecond=0, tzinfo=dt.UTC)
)


@st.composite
def papers(draw: st.DrawFn) -> Paper:
    ident = draw(st.one_of(new_style_ids(), old_style_ids()))
    first, later = sorted([draw(MOMENTS), draw(MOMENTS)])
    return Paper(
        ident=ident,
        version=draw(st.integers(1, 30)),
        title=draw(TITLES),
        authors=tuple(draw(st.lists(NAMES, min_size=1, max_size=5))),
        submitted=first,
        revised=later,
    )


def _x(text: str) -> str:
    return escape(text)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def atom(items: list[Paper]) -> bytes:
    entries = "".join(
        f"<entry><id>http://arxiv.org/abs/{p.ident}v{p.version}</id>"
        f"<title>{_x(p.title)}</title><summary>  An abstract.\n</summary>"
        f"<updated>{_iso(p.revised)}</updated><published>{_iso(p.submitted)}</published>"
        + "".join(f"<author><name>{_x(a)}</name></author>" for a in p.authors)
        + '<arxiv:primary_category term="cs.CL"/><category term="cs.CL"/></entry>'
        for p in items
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"'
        ' xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
        f"<opensearch:totalResults>{len(items)}</opensearch:totalResults>"
        f"<opensearch:startIndex>0</opensearch:startIndex>{entries}</feed>"
    ).encode()


def _rfc(moment: dt.datetime) -> str:
    return email.utils.format_datetime(moment, usegmt=True)


def _oai(records: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        "<responseDate>2026-04-08T00:00:00Z</responseDate>"
        f'<request verb="ListRecords">http://export.arxiv.org/oai2</request>'
        f"<ListRecords>{records}"
        '<resumptionToken cursor="0" completeListSize="9">123|1001</resumptionToken>'
        "</ListRecords></OAI-PMH>"
    ).encode()


def _header(p: Paper) -> str:
    return (
        f"<header><identifier>oai:arXiv.org:{p.ident}</identifier>"
        f"<datestamp>{p.revised:%Y-%m-%d}</datestamp><setSpec>cs</setSpec></header>"
    )


def oai_raw(items: list[Paper]) -> bytes:
    def versions(p: Paper) -> str:
        dates = [p.submitted] + [p.revised] * (p.version - 1)
        return "".join(
            f'<version version="v{n}"><date>{_rfc(d)}</date><size>10kb</size></version>'
            for n, d in enumerate(dates, start=1)
        )

    return _oai(
        "".join(
            f"<record>{_header(p)}<metadata>"
            '<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">'
            f"<id>{p.ident}</id><submitter>S</submitter>{versions(p)}"
            f"<title>{_x(p.title)}</title><authors>{_x(', '.join(p.authors))}</authors>"
            "<categories>cs.CL</categories><abstract>  An abstract.\n</abstract>"
            "</arXivRaw></metadata></record>"
            for p in items
        )
    )


def oai_arxiv(items: list[Paper]) -> bytes:
    def author(name: str) -> str:
        first, last = name.split(" ", 1)
        return f"<author><keyname>{_x(last)}</keyname><forenames>{_x(first)}</forenames></author>"

    return _oai(
        "".join(
            f"<record>{_header(p)}<metadata>"
            '<arXiv xmlns="http://arxiv.org/OAI/arXiv/">'
            f"<id>{p.ident}</id><created>{p.submitted:%Y-%m-%d}</created>"
            f"<updated>{p.revised:%Y-%m-%d}</updated>"
            f"<authors>{''.join(author(a) for a in p.authors)}</authors>"
            f"<title>{_x(p.title)}</title><categories>cs.CL</categories>"
            "<abstract>  An abstract.\n</abstract></arXiv></metadata></record>"
            for p in items
        )
    )


def announcement(items: list[Paper]) -> bytes:
    def kind(p: Paper) -> str:
        return "new" if p.version == 1 else "replace"

    entries = "".join(
        f"<item><title>{_x(p.title)}</title><link>https://arxiv.org/abs/{p.ident}</link>"
        f"<description>arXiv:{p.ident}v{p.version} Announce Type: {kind(p)} \n"
        f"Abstract: An abstract.</description>"
        f'<guid isPermaLink="false">oai:arXiv.org:{p.ident}v{p.version}</guid>'
        f"<category>cs.CL</category><arxiv:announce_type>{kind(p)}</arxiv:announce_type>"
        f"<dc:creator>{_x(', '.join(p.authors))}</dc:creator></item>"
        for p in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"'
        ' xmlns:arxiv="http://arxiv.org/schemas/atom"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        "<title>cs.CL updates on arXiv.org</title>"
        f"<pubDate>Thu, 28 Nov 2024 00:00:00 -0500</pubDate>{entries}</channel></rss>"
    ).encode()


def _hf_time(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def hf_2026(items: list[Paper]) -> bytes:
    return json.dumps(
        [
            {
                "paper": {
                    "id": p.ident,
                    "authors": [{"name": a, "hidden": False} for a in p.authors],
                    "publishedAt": _hf_time(p.submitted),
                    "submittedOnDailyAt": _hf_time(p.revised),
                    "title": p.title,
                    "summary": "An abstract.",
                    "upvotes": 3,
                },
                "numComments": 1,
            }
            for p in items
        ]
    ).encode()


def hf_2024(items: list[Paper]) -> bytes:
    return json.dumps(
        [
            {
                "paper": {
                    "id": p.ident,
                    "authors": [{"name": a, "hidden": False} for a in p.authors],
                    "publishedAt": _hf_time(p.submitted),
                    "title": p.title,
                    "summary": "An abstract.",
                    "upvotes": 3,
                },
                "publishedAt": _hf_time(p.revised),
                "title": p.title,
                "numComments": 1,
                "submittedBy": {"name": "someone"},
            }
            for p in items
        ],
        ensure_ascii=False,
    ).encode()


def snapshot_lines(items: list[Paper]) -> bytes:
    def row(p: Paper) -> dict[str, Any]:
        dates = [p.submitted] + [p.revised] * (p.version - 1)
        return {
            "id": p.ident,
            "title": p.title,
            "authors": ", ".join(p.authors),
            "abstract": "  An abstract.\n",
            "versions": [{"version": f"v{n}", "created": _rfc(d)} for n, d in enumerate(dates, 1)],
            "update_date": f"{p.revised:%Y-%m-%d}",
            "authors_parsed": [[a.split(" ", 1)[1], a.split(" ", 1)[0], ""] for a in p.authors],
        }

    return b"".join(json.dumps(row(p)).encode() + b"\n" for p in items)


@dataclass(frozen=True)
class Format:
    write: Callable[[list[Paper]], bytes]
    read: Callable[[bytes], list[Item]]
    versioned: bool  # the format carries the version
    first_published: bool  # the record's published_at is the first version's moment


def _days(moment: dt.datetime) -> dt.datetime:
    return moment.replace(hour=0, minute=0, second=0)


FORMATS = {
    "arxiv-atom": Format(atom, lambda b: arxiv_api.parse_feed(b, "r").items, True, True),
    "oai-arXivRaw": Format(oai_raw, lambda b: oai.parse_page(b, "r").items, True, True),
    "oai-arXiv": Format(oai_arxiv, lambda b: oai.parse_page(b, "r").items, False, False),
    "rss": Format(announcement, lambda b: rss.parse_feed(b, "r").items, True, False),
    "hf-2026": Format(hf_2026, lambda b: hf_api.parse_day(b, "application/json", "r"), False, True),
    "hf-2024": Format(hf_2024, lambda b: hf_api.parse_day(b, "application/json", "r"), False, True),
    "snapshot": Format(snapshot_lines, _read_lines_file, True, True),
}


@ROUND_TRIP
@given(st.lists(papers(), min_size=1, max_size=4), st.sampled_from(sorted(FORMATS)))
def test_well_formed_documents_read_back_exactly(items: list[Paper], name: str) -> None:
    shape = FORMATS[name]
    records = check_items(shape.read(shape.write(items)))
    assert len(records) == len(items)
    for paper, record in zip(items, records, strict=True):
        assert record.arxiv_id == paper.ident
        assert record.title == clean(paper.title)
        assert record.version == (paper.version if shape.versioned else None)
        assert [a.name for a in record.authors] == list(paper.authors)
        if shape.first_published:
            assert record.published_at == paper.submitted
        elif name == "oai-arXiv":
            assert record.published_at == _days(paper.submitted)


def test_the_model_titles_exercise_escaping_and_whitespace() -> None:
    # The round trip is only worth something if titles can hold markup and layout.
    tricky = Paper(
        "2401.00001",
        2,
        " a &amp; <b>\n  $x$ ",
        ("Ann Lee",),
        *[dt.datetime(2024, 1, 1, tzinfo=dt.UTC)] * 2,
    )
    for name, shape in FORMATS.items():
        (record,) = check_items(shape.read(shape.write([tricky])))
        assert record.title == "a &amp; <b> $x$", name
        assert html.unescape(record.title) == "a & <b> $x$"
