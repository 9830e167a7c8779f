"""The BM25 index over titles, abstracts and authors (tantivy), on disk in the node's folder.

Queries are built term by term rather than through tantivy's query parser: the
parser keeps each distinct word once, so a word a person repeats (or a long
query that names its subject several times) would lose the weight it carries.
Here each analysed term gets a boost equal to its count times its field weight.

Two more things shape the ranking, both measured on Cranfield
(benchmarks/search_quality.py, chosen on its tuning half):

- words that only phrase a question ("what", "how", "can", "any" ...) are left
  out of the ranking, unless nothing else is left;
- each pair of neighbouring query words adds a small bonus when the two stand
  together in the title or abstract (stop words aside), so "boundary layer" ranks
  papers about boundary layers above papers that say "boundary" here and "layer"
  there. The pairs are indexed as words of their own ("boundari_layer" in the
  ``pairs`` field), so the bonus is a term query: a phrase query would read the
  positions of every paper holding both words, which at a million papers cost
  more than the rest of the search.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import tantivy

from dailypapers.search.querylang import Filters, ParsedQuery

if TYPE_CHECKING:
    from dailypapers.search.documents import Doc

# Changing the schema or the analysers needs a reindex; the number is kept with the
# index, and the worker rebuilds an index that holds another (follow.schema_stale).
SCHEMA_VERSION = 3
STEMMED = "paper_en"
NAMES = "names"
PAIRS = "pairs"

# Free words are ranked in ``body``: title and abstract as one field, which is what
# plain BM25 scores. Ranked in the title and the abstract apart (each with its own
# length norm, then summed), a title word counted twice and a short field's BM25 ran
# high, and the lexical pass and the hybrid built on it fell below plain BM25 and
# plain convex fusion on SciFact and the known-item queries
# (benchmarks/search_quality.py; ``WORD_FIELDS=["title","abstract"]`` measures it).
WORD_FIELDS: tuple[str, ...] = ("body",)
# A term's weight in each field. Title and abstract are what phrases, ``title:`` and
# the feedback pass match; author names matter less than subject words. Queries with
# author: are exact. A field at 0 is not searched.
FIELD_WEIGHTS = {"body": 1.0, "title": 0.5, "abstract": 1.0, "authors": 0.5}
# Which free words are also looked for among the author names: "names", those held by
# at least as many papers' author lists as titles and abstracts ("lecun", "zhang"; not
# "long" or "deep", which are surnames too but mostly subject words), and never a stop
# word ("a", "in": initials and name particles); "all", every one.
NAME_MATCH = "names"

# Question phrasing, beyond the analyser's English stop words ("the", "are", "there" ...).
QUESTION_WORDS = frozenset(
    """
    what which who whom whose why when where how
    can could do does did has have had been being may might must shall should would
    any some so we our us i me my you your
    """.split()  # noqa: SIM905
)
# Neighbouring query words found next to each other in the title or abstract: the
# bonus's weight against one term (a pair scores about as much as its two terms
# together). 0 turns it off.
PROXIMITY_WEIGHT = 0.1
# A long query (a pasted sentence, a question) is searched by words with its MAX_TERMS
# rarest distinct stems only (fewest papers holding them in ``body``): the common ones
# add little to BM25 and most of the time, since their lists of papers are the longest
# (20 words of an abstract at 1M papers: ~11 ms with every stem, ~5.5 ms with 8). The
# pairs, the author names and the meaning side still see the whole query. 0: all.
MAX_TERMS = 0
# The fields the feedback pass's expansion terms are looked for in. Abstract only
# ranked a little better on the Cranfield tuning half than title and abstract
# (nDCG@10 0.4487 against 0.4471) and the expanded search is ~0.5 ms quicker at 1M.
EXTRA_FIELDS: tuple[str, ...] = ("abstract",)

Occur = tantivy.Occur


def _stemmed() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stopword("english"))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def _names() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


STEM = _stemmed()
PLAIN = _names()
PAIRED = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


# Pairs are indexed for the title and the head of the abstract only: every pair of a
# whole abstract took indexing from ~25,000 to ~7,800 papers/s, the first 40 stems
# to ~11,700, and ranked as well on the Cranfield tuning half (nDCG@10 0.4487 with
# 40, 0.4478 with 64, 0.4484 with all).
PAIR_STEMS = 40


def _pair_words(stems: Sequence[str]) -> list[str]:
    """Each two neighbouring stems as one word: the same for documents and queries."""
    return [f"{a}_{b}" for a, b in pairwise(stems) if a != b]


def pairs(text: str, limit: int | None = None) -> str:
    """Each two neighbouring stems of ``text`` (stop words left out) as one word."""
    return " ".join(_pair_words(STEM.analyze(text)[:limit]))


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("title", tokenizer_name=STEMMED)
    builder.add_text_field("abstract", tokenizer_name=STEMMED)
    # Title and abstract together, for ranking free words (no positions: phrases read
    # the two fields above).
    builder.add_text_field("body", tokenizer_name=STEMMED, index_option="freq")
    builder.add_text_field("authors", tokenizer_name=NAMES)
    # Unstemmed title and abstract words, only to suggest spellings.
    builder.add_text_field("words", tokenizer_name=NAMES, index_option="freq")
    # Neighbouring stems of the title and of the abstract, for the proximity bonus.
    builder.add_text_field("pairs", tokenizer_name=PAIRS, index_option="freq")
    builder.add_text_field("cats", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("org", tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field("has_code", indexed=True)
    builder.add_unsigned_field("on_daily", indexed=True)
    builder.add_integer_field("day", indexed=True, fast=True)
    return builder.build()


SCHEMA = _schema()
_EPOCH = dt.date(1970, 1, 1)


def _day(value: dt.date) -> int:
    return (value - _EPOCH).days


def _document(doc: Doc) -> tantivy.Document:
    out = tantivy.Document()
    out.add_unsigned("id", doc.id)
    out.add_text("title", doc.title)
    out.add_text("abstract", doc.abstract)
    out.add_text("body", f"{doc.title} {doc.abstract}")
    out.add_text("authors", doc.authors)
    out.add_text("words", f"{doc.title} {doc.abstract}")
    out.add_text("pairs", f"{pairs(doc.title)} {pairs(doc.abstract, PAIR_STEMS)}")
    for category in doc.categories.split():
        out.add_text("cats", category.lower())
    if doc.organization:
        out.add_text("org", doc.organization.lower())
    out.add_unsigned("has_code", int(doc.has_code))
    out.add_unsigned("on_daily", int(doc.on_daily))
    if doc.published is not None:
        out.add_integer("day", _day(doc.published.date()))
    return out


class LexicalIndex:
    """One tantivy index folder. Any number of processes read it; one writes at a time."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.index = tantivy.Index(SCHEMA, path=str(path), reuse=True)
        self.index.register_tokenizer(STEMMED, STEM)
        self.index.register_tokenizer(NAMES, PLAIN)
        self.index.register_tokenizer(PAIRS, PAIRED)
        self._lock = threading.Lock()
        # Document frequencies asked for by the fusion, the author names and the
        # feedback pass, until the index changes.
        self._frequencies: dict[tuple[str, str], int] = {}
        self._frequencies_at = -1
        self._frequencies_commit: tuple[int, int, int] | None = None

    def reload(self) -> None:
        # The commit on disk is read before the reader moves to it, so the remembered
        # frequencies are never older than the reader. A paper's new author changes a
        # frequency without changing the number of papers.
        commit = self._commit()
        self.index.reload()
        if commit != self._frequencies_commit:
            self._frequencies = {}
            self._frequencies_commit = commit

    def _commit(self) -> tuple[int, int, int]:
        """What identifies the last commit: tantivy replaces meta.json at each one."""
        try:
            meta = (self.path / "meta.json").stat()
        except FileNotFoundError:
            return (0, 0, 0)
        return (meta.st_ino, meta.st_mtime_ns, meta.st_size)

    def searcher(self) -> tantivy.Searcher:
        return self.index.searcher()

    def doc_freqs(self, field: str, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        """The number of documents, and how many hold each term in ``field``.

        Remembered until the number of documents changes or a reload finds a new
        commit: most terms a search asks for are common words asked before.
        """
        searcher = self.searcher()
        total = int(searcher.num_docs)
        cache = self._frequencies
        if total != self._frequencies_at or len(cache) > 200_000:
            cache = self._frequencies = {}
            self._frequencies_at = total
        out: dict[str, int] = {}
        for term in terms:
            key = (field, term)
            found = cache.get(key)
            if found is None:
                found = cache[key] = int(searcher.doc_freq(field, term))
            out[term] = found
        return total, out

    def rarity(self, words: Sequence[str]) -> float:
        """How specific the query's subject words are: the mean over its distinct stems
        of ln(N / df) / ln(N), the inverse document frequency in titles and abstracts
        over that of a word held by one paper (0: in every paper, 1: in one). Words in
        no paper do not count; 0 when none is left."""
        stems = sorted({stem for _, stem in _stems(subject_words(words))})
        total, found = self.doc_freqs(WORD_FIELDS[0], stems)
        held = [df for df in found.values() if df > 0]
        if not held or total < 2:
            return 0.0
        return sum(math.log(total / df) for df in held) / len(held) / math.log(total)

    def writer(self, threads: int = 1) -> tantivy.IndexWriter:
        """A writer; raises ValueError when another process holds the index's write lock."""
        return self.index.writer(heap_size=64_000_000, num_threads=threads)

    @staticmethod
    def put(writer: tantivy.IndexWriter, docs: Iterable[Doc]) -> int:
        """Replace each paper's document (delete by id, then add): safe to repeat."""
        batch = list(docs)
        LexicalIndex.remove(writer, [doc.id for doc in batch])
        for doc in batch:
            writer.add_document(_document(doc))
        return len(batch)

    @staticmethod
    def add(writer: tantivy.IndexWriter, docs: Iterable[Doc]) -> int:
        """Add without deleting first: only for a new folder that cannot hold them yet."""
        count = 0
        for doc in docs:
            writer.add_document(_document(doc))
            count += 1
        return count

    @staticmethod
    def remove(writer: tantivy.IndexWriter, ids: Sequence[int]) -> None:
        # By query: deleting by term does not match unsigned fields in this binding.
        if ids:
            writer.delete_documents_by_query(tantivy.Query.term_set_query(SCHEMA, "id", list(ids)))

    # -- reading ---------------------------------------------------------------------

    def search(
        self,
        parsed: ParsedQuery,
        filters: Filters,
        limit: int,
    ) -> list[tuple[int, float]]:
        query = build_query(parsed, filters, self)
        if query is None:
            return []
        return self._run(query, limit)

    def expanded(
        self,
        ranked: Sequence[tuple[int, float]],
        extra: Mapping[str, float],
        filters: Filters,
        limit: int,
    ) -> list[tuple[int, float]]:
        """``ranked`` (a search's hits) with the feedback pass's terms added.

        BM25 adds up over the terms of a query, so a paper's score for the query with
        ``extra`` is its score in ``ranked`` plus its score for ``extra`` alone: only
        the extra terms are searched (3.1 ms at 1M papers, against 5.4 for the whole
        expanded query). A paper that ``ranked`` left out counts its query words as 0.
        """
        leaves = _term_leaves(extra, EXTRA_FIELDS)
        if not leaves:
            return list(ranked[:limit])
        terms = tantivy.Query.boolean_query([(Occur.Should, q) for q in leaves])
        narrowing = filter_clauses(filters)
        query = (
            tantivy.Query.boolean_query([(Occur.Must, terms), *narrowing]) if narrowing else terms
        )
        scores = dict(ranked)
        for pk, score in self._run(query, limit):
            scores[pk] = scores.get(pk, 0.0) + score
        ordered = sorted([(-score, pk) for pk, score in scores.items()])[:limit]
        return [(pk, -negated) for negated, pk in ordered]

    def _run(self, query: tantivy.Query, limit: int) -> list[tuple[int, float]]:
        searcher = self.searcher()
        hits = searcher.search(query, limit=limit, count=False).hits
        if not hits:
            return []
        ids = searcher.fast_field_values("id", [address for _, address in hits])
        return [(int(pk), float(score)) for (score, _), pk in zip(hits, ids, strict=True) if pk]

    def like(self, doc: Doc, limit: int) -> list[tuple[int, float]]:
        """Papers whose words are most like this one's: its distinctive terms, BM25-ranked."""
        searcher = self.searcher()
        total = max(searcher.num_docs, 1)
        counts = Counter(STEM.analyze(f"{doc.title} {doc.title} {doc.abstract}"))
        weighted = []
        for term, count in counts.items():
            df = searcher.doc_freq("abstract", term) + searcher.doc_freq("title", term)
            if df <= 1:
                continue
            weighted.append((count * math.log(1 + total / df), term))
        weighted.sort(reverse=True)
        terms = [term for _, term in weighted[:30]]
        if not terms:
            return []
        query = tantivy.Query.boolean_query(
            [
                (Occur.Should, _terms_query(Counter(terms), ("title", "abstract"))),
                (Occur.MustNot, tantivy.Query.term_query(SCHEMA, "id", doc.id)),
            ]
        )
        return self._run(query, limit)

    def suggest(self, words: Sequence[str]) -> list[str]:
        """For each word no paper contains, the closest word that papers do contain."""
        searcher = self.searcher()
        out: list[str] = []
        changed = False
        for word in words:
            token = next(iter(PLAIN.analyze(word)), "")
            if not token or searcher.doc_freq("words", token) > 0 or len(token) < 4:
                out.append(word)
                continue
            best = _closest(token, searcher.terms_with_prefix("words", token[:2], limit=5000))
            if best:
                out.append(best)
                changed = True
            else:
                out.append(word)
        return out if changed else []


def _closest(token: str, candidates: list[tuple[str, int]]) -> str:
    best, best_key = "", (3, 0)
    for term, df in candidates:
        if abs(len(term) - len(token)) > 2:
            continue
        distance = _edit_distance(token, term, 2)
        if distance <= 2 and (distance, -df) < best_key:
            best, best_key = term, (distance, -df)
    return best


def _edit_distance(a: str, b: str, cap: int) -> int:
    """Edits between two words, a swap of neighbours counting as one (the commonest typo)."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > cap:
            return cap + 1
        before, previous = previous, current
    return previous[-1]


def _term_leaves(counts: Mapping[str, float], fields: Sequence[str]) -> list[tantivy.Query]:
    return [
        tantivy.Query.boost_query(
            tantivy.Query.term_query(SCHEMA, name, term), FIELD_WEIGHTS[name] * count
        )
        for term, count in counts.items()
        for name in fields
        if FIELD_WEIGHTS[name] > 0
    ]


def _terms_query(counts: Mapping[str, float], fields: Sequence[str]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(Occur.Should, q) for q in _term_leaves(counts, fields)])


def _phrase(text: str, fields: Sequence[str]) -> tantivy.Query | None:
    """The words in order in one of the fields; stop words keep their place as gaps."""
    words: list[tuple[int, str]] = []
    for position, word in enumerate(PLAIN.analyze(text)):
        stems = STEM.analyze(word)
        if stems:
            words.append((position, stems[0]))
    if not words:
        return None
    if len(words) == 1:
        per_field = [tantivy.Query.term_query(SCHEMA, f, words[0][1]) for f in fields]
    else:
        base = words[0][0]
        shifted: list[str | tuple[int, str]] = [(p - base, w) for p, w in words]
        per_field = [tantivy.Query.phrase_query(SCHEMA, f, shifted) for f in fields]
    return tantivy.Query.boolean_query(
        [
            (Occur.Should, tantivy.Query.boost_query(q, FIELD_WEIGHTS[f]))
            for q, f in zip(per_field, fields, strict=True)
        ]
    )


def subject_words(words: Sequence[str]) -> list[tuple[int, str]]:
    """(position, word) of the query's words, lowercased, question words left out.

    Positions count every word, so a pair's distance in the query stays true. When
    the query is nothing but question words, they are kept.
    """
    analysed = list(enumerate(PLAIN.analyze(" ".join(words))))
    kept = [(p, w) for p, w in analysed if w not in QUESTION_WORDS]
    return kept or analysed


def _name_words(subject: Sequence[tuple[int, str]], index: LexicalIndex | None) -> Counter[str]:
    """The query's words to look for among author names (see NAME_MATCH)."""
    names = Counter(word for _, word in subject)
    if NAME_MATCH == "all" or index is None or not names:
        return names
    stems = {word: (STEM.analyze(word) or [""])[0] for word in names}
    _, as_name = index.doc_freqs("authors", names)
    _, as_word = index.doc_freqs(WORD_FIELDS[0], {stem for stem in stems.values() if stem})
    return Counter(
        {
            word: count
            for word, count in names.items()
            if stems[word] and 0 < as_name[word] >= as_word[stems[word]]
        }
    )


def only_names(words: Sequence[str], index: LexicalIndex | None) -> bool:
    """Whether every word of the query but its stop words is a name (see NAME_MATCH):
    "lecun", "ziwei liu", "kaiming he". Such a query looks for someone's papers, and
    the search leaves meaning out of it, as it does for ``author:``."""
    if NAME_MATCH == "all" or index is None:
        return False
    subject = subject_words(words)
    names = _name_words(subject, index)  # never a stop word
    return bool(names) and all(word in names or not STEM.analyze(word) for _, word in subject)


def _stems(subject: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for position, word in subject:
        stems = STEM.analyze(word)
        if stems:
            out.append((position, stems[0]))
    return out


def _proximity(stems: Sequence[tuple[int, str]]) -> list[tantivy.Query]:
    """For each two neighbouring query words: the pair, as the index holds it."""
    if PROXIMITY_WEIGHT <= 0:
        return []
    found = set(_pair_words([stem for _, stem in stems]))
    return [
        tantivy.Query.boost_query(tantivy.Query.term_query(SCHEMA, "pairs", pair), PROXIMITY_WEIGHT)
        for pair in sorted(found)
    ]


def _all_terms(terms: Sequence[str], field: str) -> tantivy.Query | None:
    if not terms:
        return None
    return tantivy.Query.boolean_query(
        [
            (Occur.Must, tantivy.Query.boost_query(tantivy.Query.term_query(SCHEMA, field, t), 2.0))
            for t in terms
        ]
    )


def filter_clauses(filters: Filters) -> list[tuple[tantivy.Occur, tantivy.Query]]:
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
    if filters.on_daily:
        clauses.append((Occur.Must, tantivy.Query.term_query(SCHEMA, "on_daily", 1)))
    if filters.has_code:
        clauses.append((Occur.Must, tantivy.Query.term_query(SCHEMA, "has_code", 1)))
    if filters.organization:
        clauses.append(
            (Occur.Must, tantivy.Query.term_query(SCHEMA, "org", filters.organization.lower()))
        )
    if filters.categories:
        cats = [c.lower() for c in filters.categories]
        clauses.append((Occur.Must, tantivy.Query.term_set_query(SCHEMA, "cats", cats)))
    if filters.date_from or filters.date_to:
        clauses.append(
            (
                Occur.Must,
                tantivy.Query.range_query(
                    SCHEMA,
                    "day",
                    tantivy.FieldType.Integer,
                    _day(filters.date_from) if filters.date_from else -(10**7),
                    _day(filters.date_to) if filters.date_to else 10**7,
                ),
            )
        )
    return [(occur, tantivy.Query.const_score_query(q, 0.0)) for occur, q in clauses]


def build_query(
    parsed: ParsedQuery, filters: Filters, index: LexicalIndex | None = None
) -> tantivy.Query | None:
    """The tantivy query for a parsed query, or None when nothing in it can match.

    ``index``: where a long query's rarest stems are looked up (MAX_TERMS).
    """
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
    subject = subject_words(parsed.words)
    stemmed = _stems(subject)
    bag: Counter[str] = Counter(stem for _, stem in stemmed)
    names = _name_words(subject, index)
    terms: dict[str, float] = {term: float(n) for term, n in bag.items()}
    if index is not None and 0 < MAX_TERMS < len(terms):
        _, held = index.doc_freqs(WORD_FIELDS[0], terms)
        rarest = sorted(terms, key=lambda t: (held.get(t, 0), t))[:MAX_TERMS]
        terms = {t: terms[t] for t in rarest}
    should: list[tantivy.Query] = []
    should.extend(_term_leaves(terms, WORD_FIELDS))
    should.extend(_term_leaves(names, ("authors",)))
    should.extend(_proximity(stemmed))
    for phrase in parsed.phrases:
        query = _phrase(phrase, ("title", "abstract"))
        if query is not None:
            clauses.append((Occur.Must, query))
    for author in parsed.authors:
        query = _phrase(author, ("authors",)) if " " in author else None
        if query is None:
            query = _all_terms(PLAIN.analyze(author), "authors")
        if query is not None:
            clauses.append((Occur.Must, query))
    title = _all_terms(STEM.analyze(" ".join(parsed.title)), "title")
    if title is not None:
        clauses.append((Occur.Must, title))
    if parsed.categories:
        cats = [c.lower() for c in parsed.categories]
        clauses.append((Occur.Must, tantivy.Query.term_set_query(SCHEMA, "cats", cats)))
    if not should and not clauses:
        return None
    narrowing = filter_clauses(filters)
    if not clauses and not narrowing:
        # Free words alone: one flat list of term queries, which tantivy ranks with
        # block-max WAND, skipping papers that cannot reach the top. Nested in another
        # boolean query they were scored one by one: twice the time at 1M papers.
        return tantivy.Query.boolean_query([(Occur.Should, q) for q in should])
    if should:
        # With other requirements the free words only rank; alone, at least one must match.
        clauses.append(
            (
                Occur.Should if clauses else Occur.Must,
                tantivy.Query.boolean_query([(Occur.Should, q) for q in should]),
            )
        )
    clauses.extend(narrowing)
    return tantivy.Query.boolean_query(clauses)
