"""Everything that writes papers, authors and daily-list entries.

Imports write tens of thousands of papers with ten or more authors each, so the
batch writer below works on plain rows and bulk statements (executemany on
SQLite, COPY on PostgreSQL) instead of model instances: building and saving
instances costs several times more than the database itself. Column names come
from the models, and columns a row leaves out get their model default (worked
out once per batch), so the models can grow without breaking it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone

from dailypapers.papers import columns, entries, signals
from dailypapers.papers import rows as paper_rows
from dailypapers.papers.models import (
    SOURCE_RANKS,
    EarlierListing,
    Organization,
    Paper,
    PaperAuthor,
    Submission,
    Upvote,
)
from dailypapers.papers.records import PaperRecord
from dailypapers.papers.touch import touch

# Metadata fields a winning record overwrites and a losing one only fills in.
_TEXT_FIELDS = paper_rows.TEXT_FIELDS
_VALUE_FIELDS = ("published_at", "updated_at_source", "github_stars")
# The stored columns an import reads and merges (see ``papers.columns``).
_PAPER_COLUMNS = columns.PAPER_COLUMNS
_SUBMISSION_COLUMNS = columns.SUBMISSION_COLUMNS

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Submissions made on this site; imports never move or rewrite them.
LOCAL_SOURCE = entries.LOCAL_SOURCE
# Keeps every IN (...) list and multi-row statement well under SQLite's variable limit.
_CHUNK = 500
_MAX_PARAMS = 900

_T = TypeVar("_T")
Row = dict[str, Any]
Authors = list[tuple[str, str]]


@dataclass
class UpsertResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_ids: list[str] = field(default_factory=list)

    def add(self, other: UpsertResult) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.changed_ids.extend(other.changed_ids)


def _chunks(items: Sequence[_T], size: int = _CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rank(source: str) -> int:
    return SOURCE_RANKS.get(source, 0)


def _record_wins(paper: Row, record: PaperRecord) -> bool:
    """A record describes the paper at least as well as what is stored.

    Newer versions win; for the same version the more authoritative source wins,
    then the later observation (a daily entry seen on a later day); a tie goes to
    the record.
    """
    mine = (paper["version"] or 0, _rank(paper["source"]), paper["observed_at"] or _EPOCH)
    theirs = (record.version or 0, _rank(record.source), record.observed_at or _EPOCH)
    return theirs >= mine


def _organizations(papers: Sequence[PreparedPaper]) -> dict[str, int]:
    """Organization ids by the upstream's slug, creating the ones not stored yet.

    An organization someone made on this hub is never taken for the upstream's one of
    the same name, unless staff verified it: otherwise creating "SomeLab" before its
    papers arrive would hand those papers to whoever did. The upstream's organization
    then lives under ``<slug>-upstream`` (or ``-upstream-2``, ...).
    """
    wanted: dict[str, paper_rows.Organization] = {}
    for paper in papers:
        if paper.organization:
            wanted.setdefault(paper.organization[0], paper.organization)
    if not wanted:
        return {}
    found = _trusted_slugs(list(wanted))
    for _ in range(2):  # a second pass picks up rows a concurrent import created
        missing = [
            Organization(slug=_free_slug(slug), name=name or slug, avatar_url=avatar)
            for slug, name, avatar in wanted.values()
            if slug not in found
        ]
        if not missing:
            break
        Organization.objects.bulk_create(missing, ignore_conflicts=True)
        found = _trusted_slugs(list(wanted))
    return found


def _trusted_slugs(slugs: list[str]) -> dict[str, int]:
    """Upstream slug -> id of the organization the import may use for it."""
    candidates = [*slugs, *(f"{s}-upstream" for s in slugs), *_numbered(slugs)]
    rows = Organization.objects.filter(slug__in=candidates).values_list(
        "slug", "id", "created_by_id", "verified_email_domains"
    )
    usable = {slug: pk for slug, pk, maker, verified in rows if maker is None or verified}
    out = {}
    for slug in slugs:
        for option in (slug, f"{slug}-upstream", *_numbered([slug])):
            if option in usable:
                out[slug] = usable[option]
                break
    return out


def _numbered(slugs: list[str], tries: int = 5) -> list[str]:
    return [f"{s}-upstream-{n}" for s in slugs for n in range(2, 2 + tries)]


def _free_slug(slug: str) -> str:
    """``slug`` if no one holds it, else the first free ``-upstream`` variant."""
    taken = set(
        Organization.objects.filter(
            slug__in=[slug, f"{slug}-upstream", *_numbered([slug])]
        ).values_list("slug", flat=True)
    )
    for option in (slug, f"{slug}-upstream", *_numbered([slug])):
        if option not in taken:
            return option
    return f"{slug}-upstream-{len(taken) + 2}"


def _merge(paper: Row, record: PaperRecord, orgs: dict[str, int], wins: bool) -> set[str]:
    """Apply ``record`` to the stored ``paper`` row; return the names of changed fields.

    A winning record overwrites every field it has a value for; a losing one only
    fills fields the paper lacks. Either way each field ends up with the value of
    the best record that has one, whichever order the records come in.
    """
    changed: set[str] = set()

    def put(name: str, value: Any) -> None:
        if paper[name] != value:
            paper[name] = value
            changed.add(name)

    for name in _TEXT_FIELDS:
        value = getattr(record, name)
        if value and (wins or not paper[name]):
            put(name, value)
    for name in _VALUE_FIELDS:
        value = getattr(record, name)
        if value is not None and (wins or paper[name] is None):
            put(name, value)
    if record.ai_keywords and (wins or not paper["ai_keywords"]):
        put("ai_keywords", record.ai_keywords)
    if record.hf_extra and (wins or not paper["hf_extra"]):
        put("hf_extra", record.hf_extra)
    if record.organization and (wins or paper["organization_id"] is None):
        put("organization_id", orgs[record.organization.slug])
    if wins and record.observed_at is not None:
        put("observed_at", record.observed_at)
    if _rank(record.source) > _rank(paper["source"]):
        put("source", record.source)
    if record.version and record.version > (paper["version"] or 0):
        put("version", record.version)
    # Upstream counts only grow; keeping the largest seen makes re-imports of older
    # files harmless. Votes cast here live in upvotes_local and are never touched.
    if record.upvotes is not None and record.upvotes > paper["upvotes_imported"]:
        put("upvotes_imported", record.upvotes)
    if record.num_comments is not None and record.num_comments > paper["comments_imported"]:
        put("comments_imported", record.num_comments)
    return changed


def _record_authors(record: PaperRecord) -> Authors:
    return [(name[:300], user[:100]) for name, user in record.authors]


def _merged_authors(stored: Authors, record: PaperRecord, wins: bool) -> Authors:
    """The author list after ``record``: the winner's names, with the Hugging Face
    accounts either side knows (matched by name), so that neither the order of
    imports nor a source without accounts loses them."""
    incoming = _record_authors(record)
    if not incoming:
        return stored
    if not stored:
        return incoming
    base, other = (incoming, stored) if wins else (stored, incoming)
    users = {paper_rows.slug(name): user for name, user in other if user}
    if not users:
        return base
    return [(name, user or users.get(paper_rows.slug(name), "")) for name, user in base]


# -- plain-row SQL -----------------------------------------------------------------


def _converter(model_field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a Python value of the field becomes a query parameter (None: as it is).

    The same conversions Django's own writes make, minus the layers around them.
    """
    if isinstance(model_field, models.DateTimeField):
        if connection.vendor == "sqlite":
            zone = connection.timezone

            def naive_text(value: dt.datetime) -> str:
                if value.tzinfo is not None:
                    if value.tzinfo is not zone:
                        value = value.astimezone(zone)
                    value = value.replace(tzinfo=None)
                return str(value)

            return naive_text
        return connection.ops.adapt_datetimefield_value
    if isinstance(model_field, models.JSONField):
        encoder = model_field.encoder
        return lambda value: connection.ops.adapt_json_value(value, encoder)
    return None


def _field(model: type[models.Model], attname: str) -> models.Field[Any, Any]:
    for candidate in model._meta.concrete_fields:
        if candidate.attname == attname:
            return candidate
    raise LookupError(f"{model.__name__} has no column {attname}")


def _column(model: type[models.Model], attname: str) -> str:
    """The quoted column name of a field."""
    column = _field(model, attname).column
    assert column is not None
    return connection.ops.quote_name(column)


def _params(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Row]
) -> list[tuple[Any, ...]]:
    """The rows' values for ``names``, in order, as query parameters."""
    converters = [_converter(_field(model, n)) for n in names]
    if not any(converters):
        return [tuple(row[n] for n in names) for row in rows]
    pairs = list(zip(names, converters, strict=True))
    return [
        tuple(
            convert(row[n]) if convert is not None and row[n] is not None else row[n]
            for n, convert in pairs
        )
        for row in rows
    ]


def _defaults(model: type[models.Model], names: Sequence[str], now: dt.datetime) -> Row:
    """Values for the columns an insert leaves out: model defaults, ``now`` for auto_now."""
    defaults: Row = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in names:
            continue
        auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        defaults[f.attname] = now if auto else f.get_default()
    return defaults


def _insert_rows(
    model: type[models.Model],
    names: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    now: dt.datetime,
) -> None:
    """INSERT rows of query parameters for the columns ``names`` (attnames).

    Columns not named get their model default (``now`` for auto_now fields). The
    rows may be a generator: they are streamed to the database, not collected.
    """
    defaults = _defaults(model, names, now)
    extra = _params(model, list(defaults), [defaults])[0]
    if extra:
        rows = (row + extra for row in rows)
    columns = [*names, *defaults]
    qn = connection.ops.quote_name
    names_sql = ", ".join(_column(model, n) for n in columns)
    table = qn(model._meta.db_table)
    # The raw cursors below bypass Django's wrapper; this turns their errors (a unique
    # violation from a concurrent writer, say) into Django's, as callers expect.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if connection.vendor == "sqlite":
            # sqlite3 binds each row of one prepared statement in C: faster than
            # parsing long multi-row statements. The raw cursor takes the rows as
            # they come (Django's wrapper would tee them to peek at the first).
            marks = ", ".join(["?"] * len(columns))
            sql = f"INSERT INTO {table} ({names_sql}) VALUES ({marks})"  # noqa: S608 - names from the model
            sqlite3.Cursor.executemany(cursor.cursor, sql, rows)
            return
        if connection.vendor == "postgresql":
            # COPY streams rows without any SQL to build or parse per row.
            with cursor.cursor.copy(f"COPY {table} ({names_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        head = f"INSERT INTO {table} ({names_sql}) VALUES "  # noqa: S608 - names from the model
        template = "(" + ", ".join(["%s"] * len(columns)) + ")"
        per_statement = max(1, _MAX_PARAMS // len(columns))
        for chunk in _chunks(list(rows), per_statement):
            flat = [value for row in chunk for value in row]
            cursor.execute(head + ", ".join([template] * len(chunk)), flat)


def _new_ids(model: type[models.Model], count: int) -> list[int] | None:
    """Primary keys for ``count`` new rows, reserved now; None where the database
    cannot say ahead (the rows then get theirs on insert).

    Knowing the ids up front saves reading them back after the insert. On SQLite the
    import's transaction holds the write lock (IMMEDIATE), so nobody else can take
    the next ids meanwhile; PostgreSQL hands them out from the table's sequence.
    """
    table = model._meta.db_table
    key = _field(model, "id").column
    assert key is not None
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" and connection.in_atomic_block:
            # AUTOINCREMENT never reuses an id, also not of deleted rows: start past
            # both the highest id and the highest ever handed out.
            cursor.execute(
                f"SELECT MAX(COALESCE((SELECT MAX({qn(key)}) FROM {qn(table)}), 0), "  # noqa: S608
                "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
                [table],
            )
            first = int(cursor.fetchone()[0]) + 1
            return list(range(first, first + count))
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [qn(table), key, count],
            )
            return sorted(int(row[0]) for row in cursor.fetchall())
    return None


def _update_rows(model: type[models.Model], rows: list[tuple[int, Row, set[str]]]) -> None:
    """UPDATE the changed fields of each (pk, row, changed), one statement per field set."""
    groups: dict[tuple[str, ...], list[Row]] = {}
    for pk, row, changed in rows:
        groups.setdefault(tuple(sorted(changed)), []).append({**row, "id": pk})
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    key = _column(model, "id")
    with connection.cursor() as cursor:
        for names, group in groups.items():
            sets = ", ".join(f"{_column(model, n)} = %s" for n in names)
            sql = f"UPDATE {table} SET {sets} WHERE {key} = %s"  # noqa: S608 - names from the model
            cursor.executemany(sql, _params(model, [*names, "id"], group))


def _delete_authors(paper_ids: list[int]) -> None:
    qn = connection.ops.quote_name
    table = qn(PaperAuthor._meta.db_table)
    column = _column(PaperAuthor, "paper_id")
    with connection.cursor() as cursor:
        for chunk in _chunks(paper_ids):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", list(chunk))  # noqa: S608


# -- the batch writer ----------------------------------------------------------------


class PreparedPaper:
    """A record with its new-paper rows built (see ``papers.rows``)."""

    __slots__ = ("arxiv_id", "authors", "organization", "record", "row", "submission")

    def __init__(self, packed: paper_rows.Packed, record: PaperRecord) -> None:
        self.arxiv_id, self.row, self.organization, self.authors, self.submission = packed
        self.record = record


def import_dialect() -> str | None:
    """How rows for this database can be built without it (a ``papers.rows`` dialect).

    None when they cannot: another database, or one whose dates are not stored in UTC.
    """
    if connection.vendor == "sqlite" and connection.timezone is dt.UTC:
        return "sqlite"
    if connection.vendor == "postgresql":
        return "postgresql"
    return None


def prepare(records: Iterable[PaperRecord]) -> list[PreparedPaper]:
    """Build the rows of ``records`` here, for ``upsert_prepared``."""
    dialect = import_dialect()
    if dialect is not None:
        when, as_json = paper_rows.converters(dialect)
    else:
        date_converter = _converter(_field(Paper, "published_at"))
        json_converter = _converter(_field(Paper, "ai_keywords"))
        assert date_converter is not None and json_converter is not None
        when, as_json = date_converter, json_converter
    return [PreparedPaper(paper_rows.pack(r, when, as_json), r) for r in records]


def upsert_papers(records: Sequence[PaperRecord]) -> UpsertResult:
    """Insert or update a batch of papers in one transaction.

    Idempotent: writing the same records again changes nothing and counts them as
    unchanged. Votes, comments and daily-list entries made here are never touched.
    A paper that occurs several times in the batch gets its records in order.
    """
    return upsert_prepared(prepare(records))


def upsert_prepared(papers: Sequence[PreparedPaper]) -> UpsertResult:
    """``upsert_papers`` for records whose rows were built beforehand."""
    rounds: list[list[PreparedPaper]] = []
    seen: dict[str, int] = {}
    for paper in papers:
        occurrence = seen.get(paper.arxiv_id, 0)
        seen[paper.arxiv_id] = occurrence + 1
        if occurrence == len(rounds):
            rounds.append([])
        rounds[occurrence].append(paper)
    result = UpsertResult()
    with transaction.atomic():
        for unique in rounds:
            _upsert_unique(unique, result)
    return result


def _paper_ids(arxiv_ids: list[str]) -> dict[str, int]:
    """Ids of the stored papers among ``arxiv_ids`` (a plain query: it runs per batch)."""
    table = connection.ops.quote_name(Paper._meta.db_table)
    key, arxiv_id = _column(Paper, "id"), _column(Paper, "arxiv_id")
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(arxiv_ids):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {arxiv_id}, {key} FROM {table} WHERE {arxiv_id} IN ({marks})",  # noqa: S608
                list(chunk),
            )
            found.update(cursor.fetchall())
    return found


def _stored(known: list[int]) -> tuple[dict[str, Row], dict[int, Authors]]:
    """The stored rows (with their submission, if any) and author lists of the papers."""
    names = [*_PAPER_COLUMNS, *(f"submission__{c}" for c in _SUBMISSION_COLUMNS)]
    existing: dict[str, Row] = {}
    for chunk in _chunks(known):
        for values in Paper.objects.filter(pk__in=chunk).values_list(*names):
            split = len(_PAPER_COLUMNS)
            row = dict(zip(_PAPER_COLUMNS, values[:split], strict=True))
            sub = values[split:]
            row["submission"] = (
                {**dict(zip(_SUBMISSION_COLUMNS, sub, strict=True)), "paper_id": row["id"]}
                if sub[0]
                else None
            )
            existing[row["arxiv_id"]] = row
    authors: dict[int, Authors] = {}
    for ids in _chunks([p["id"] for p in existing.values()]):
        for paper_id, name, hf_user in (
            PaperAuthor.objects.filter(paper_id__in=ids)
            .order_by("paper_id", "position")
            .values_list("paper_id", "name", "hf_user")
        ):
            authors.setdefault(paper_id, []).append((name, hf_user))
    return existing, authors


def _upsert_unique(papers: list[PreparedPaper], result: UpsertResult) -> None:
    orgs = _organizations(papers)
    # Most papers of a first import are new: find out cheaply which ones are not.
    known = _paper_ids([p.arxiv_id for p in papers])
    existing, stored_authors = _stored(list(known.values())) if known else ({}, {})
    now = timezone.now()
    new_papers: list[PreparedPaper] = []
    changed_papers: list[tuple[int, Row, set[str]]] = []
    author_lists: list[tuple[int, Sequence[tuple[str, str]]]] = []
    replaced: list[int] = []
    new_submissions: list[Row] = []
    changed_submissions: list[tuple[int, Row, set[str]]] = []
    earlier: list[Row] = []

    for prepared in papers:
        paper = existing.get(prepared.arxiv_id)
        if paper is None:
            new_papers.append(prepared)
            continue
        record = prepared.record
        pk = paper["id"]
        wins = _record_wins(paper, record)
        fields = _merge(paper, record, orgs, wins)
        stored = stored_authors.get(pk, [])
        authors = _merged_authors(stored, record, wins)
        if authors != stored:
            replaced.append(pk)
            author_lists.append((pk, authors))
        sub_changed: set[str] = set()
        sub = paper["submission"]
        if record.submission and sub is None:
            new_submissions.append(entries.new_submission(pk, record))
            sub_changed = {"new"}
        elif record.submission:
            sub_changed = entries.submission_changes(sub, record, earlier)
            if sub_changed:
                changed_submissions.append((sub["id"], sub, sub_changed))
        if fields or authors != stored or sub_changed:
            # modified_at is what the search index follows: a new author list or a
            # daily-list entry changes what the index holds for the paper too.
            paper["modified_at"] = now
            changed_papers.append((pk, paper, fields | {"modified_at"}))
            result.updated += 1
            result.changed_ids.append(record.arxiv_id)
        else:
            result.unchanged += 1

    _update_rows(Paper, changed_papers)
    # Author claims (community) follow their authors to the new rows.
    then = signals.replacing_authors(replaced)
    _delete_authors(replaced)
    _insert_rows(
        PaperAuthor,
        _AUTHOR_COLUMNS,
        (
            (pk, position, name[:300], paper_rows.slug(name), user[:100])
            for pk, authors in author_lists
            for position, (name, user) in enumerate(authors)
        ),
        now,
    )
    for done in then:
        done()
    if new_submissions:
        names = list(new_submissions[0])
        _insert_rows(Submission, names, _params(Submission, names, new_submissions), now)
    _update_rows(Submission, changed_submissions)
    if earlier:
        EarlierListing.objects.bulk_create(
            [EarlierListing(**row) for row in earlier], ignore_conflicts=True
        )
    if new_papers:
        _insert_new(new_papers, orgs, now)
        result.new += len(new_papers)
        result.changed_ids.extend(p.arxiv_id for p in new_papers)


_AUTHOR_COLUMNS = ("paper_id", *paper_rows.AUTHOR_COLUMNS)


def _insert_new(papers: list[PreparedPaper], orgs: dict[str, int], now: dt.datetime) -> None:
    """Insert papers not stored yet, with their authors and daily-list entries.

    The hottest path of a first import: the rows were built beforehand, here they
    only get their ids.
    """
    ids = _new_ids(Paper, len(papers))
    columns = (*paper_rows.NEW_PAPER_COLUMNS, "organization_id")
    org_ids = [orgs[p.organization[0]] if p.organization else None for p in papers]
    if ids is not None:
        _insert_rows(
            Paper,
            ("id", *columns),
            ((pk, *p.row, org) for pk, p, org in zip(ids, papers, org_ids, strict=True)),
            now,
        )
    else:
        _insert_rows(
            Paper, columns, ((*p.row, org) for p, org in zip(papers, org_ids, strict=True)), now
        )
        found = _paper_ids([p.arxiv_id for p in papers])
        ids = [found[p.arxiv_id] for p in papers]
    pairs = list(zip(ids, papers, strict=True))
    _insert_rows(
        PaperAuthor, _AUTHOR_COLUMNS, ((pk, *a) for pk, p in pairs for a in p.authors), now
    )
    _insert_rows(
        Submission,
        ("paper_id", *paper_rows.SUBMISSION_COLUMNS),
        ((pk, *p.submission) for pk, p in pairs if p.submission is not None),
        now,
    )


def mark_withdrawn(arxiv_ids: Iterable[str]) -> int:
    """Flag papers arXiv no longer serves; returns how many changed.

    Only the flag changes: votes, comments and daily-list entries stay, and
    papers not stored here are not created.
    """
    ids = list(dict.fromkeys(arxiv_ids))
    changed = 0
    for chunk in _chunks(ids):
        changed += touch(Paper.objects.filter(arxiv_id__in=chunk, withdrawn=False), withdrawn=True)
    return changed


# -- upvotes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteState:
    voted: bool
    upvotes: int  # imported and local votes together, as pages show them


def toggle_upvote(user_id: int, paper_id: int, want: bool | None = None) -> VoteState:
    """Add or take back a user's upvote; ``want`` says which, None flips the current state.

    The unique (user, paper) row decides: the counter moves only when this call
    inserted or deleted that row, and moves by an F() update, so parallel requests
    (a double click, two tabs, many voters at once) leave it equal to the number of
    rows. Pages send ``want`` so that repeating a request changes nothing.
    """
    with transaction.atomic():
        if want is None:
            want = not Upvote.objects.filter(user_id=user_id, paper_id=paper_id).exists()
        if want:
            try:
                with transaction.atomic():
                    Upvote.objects.create(user_id=user_id, paper_id=paper_id)
            except IntegrityError:
                pass  # voted already, in this request's race or earlier
            else:
                Paper.objects.filter(pk=paper_id).update(upvotes_local=F("upvotes_local") + 1)
        else:
            deleted, _ = Upvote.objects.filter(user_id=user_id, paper_id=paper_id).delete()
            if deleted:
                Paper.objects.filter(pk=paper_id, upvotes_local__gt=0).update(
                    upvotes_local=F("upvotes_local") - 1
                )
        imported, local = (
            Paper.objects.filter(pk=paper_id).values_list("upvotes_imported", "upvotes_local").get()
        )
    return VoteState(voted=want, upvotes=imported + local)
