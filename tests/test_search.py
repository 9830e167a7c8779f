"""Search: the lexical engine following the database, the page, the API and the command."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.http.response import HttpResponseBase
from django.test import Client

from dailypapers.papers.models import Paper
from dailypapers.papers.services import upsert_papers
from dailypapers.search import (
    Filters,
    conf,
    documents,
    embed,
    encoder,
    engine,
    feedback,
    follow,
    fusion,
    index,
    lexical,
    querylang,
)
from dailypapers.search.lexical import LexicalIndex
from tests.support.factories import paper, record, utc
from tests.support.shared import SHARED_DATA
from tests.test_search_dense import WordsEncoder

pytestmark = pytest.mark.django_db


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def found(text: str, **options: object) -> list[str]:
    return [h.paper.arxiv_id for h in engine.search(text, **options).hits]  # type: ignore[arg-type]


@pytest.fixture
def corpus() -> None:
    paper(
        "2604.00001",
        title="Diffusion models for protein design",
        abstract="We generate protein backbones with a denoising diffusion model.",
        authors=("Ada Lovelace",),
        categories="q-bio.BM cs.LG",
        submitted_at=utc(2026, 4, 7, 9),
        upvotes=40,
        published_at=utc(2026, 4, 6),
        github_repo="https://github.com/example/protein",
    )
    paper(
        "2604.00002",
        title="Scaling laws for language models",
        abstract="Loss falls as a power law in parameters and data for language models.",
        authors=("Alan Turing", "Grace Hopper"),
        categories="cs.CL cs.LG",
        submitted_at=utc(2026, 4, 8, 9),
        upvotes=90,
        published_at=utc(2026, 4, 7),
    )
    paper(
        "2604.00003",
        title="State of the art image segmentation",
        abstract="A segmentation network that is the state of the art on three benchmarks.",
        authors=("Grace Hopper",),
        categories="cs.CV",
        published_at=utc(2025, 1, 2),
        source="arxiv-snapshot",
    )


def _doc(pk: int, title: str) -> documents.Doc:
    return documents.Doc(
        id=pk, arxiv_id=f"2609.{pk:05d}", title=title, abstract="", authors="", categories="",
        organization="", has_code=False, on_daily=False, published=None,
        modified_at=utc(2026, 9, 1),
    )  # fmt: skip


class TestQueryLanguage:
    def test_words_phrases_and_prefixes_are_told_apart(self) -> None:
        q = querylang.parse('graph "neural network" author:"Grace Hopper" title:scaling cat:cs.CL')
        assert q.words == ["graph"]
        assert q.phrases == ["neural network"]
        assert q.authors == ["Grace Hopper"]
        assert q.title == ["scaling"]
        assert q.categories == ["cs.CL"]

    def test_hostile_input_is_cut_cleaned_and_explained(self) -> None:
        q = querylang.parse('a\x00b\x1b[31m "unbalanced ' + "x" * 10_000)
        assert "\x00" not in q.raw and "\x1b" not in q.raw
        assert len(q.raw) <= querylang.MAX_QUERY
        assert any("250" in note for note in q.notes)
        assert any("quote" in note for note in q.notes)

    def test_operators_are_not_syntax(self) -> None:
        q = querylang.parse("(foo AND bar) OR -baz* +qux^2 url:http://x")
        assert "foo" in q.words and "baz" in q.words and "qux" in q.words
        assert not q.authors and not q.categories


class TestFollowingTheDatabase:
    def test_new_and_changed_papers_become_searchable(self, corpus: None) -> None:
        assert found("protein") == ["2604.00001"]
        Paper.objects.filter(arxiv_id="2604.00001").update(
            title="Flow matching for enzymes", modified_at=utc(2030, 1, 1)
        )
        assert found("protein") == ["2604.00001"]  # still in the abstract
        assert found("enzymes") == ["2604.00001"]
        paper("2604.00009", title="Protein folding by language models")
        assert set(found("protein")) == {"2604.00001", "2604.00009"}

    def test_new_authors_and_daily_list_entries_reach_the_index(self, corpus: None) -> None:
        """Changes that leave the paper's own columns alone still reach the index."""
        same: dict[str, Any] = {
            "title": "State of the art image segmentation",
            "abstract": "A segmentation network that is the state of the art on three benchmarks.",
            "categories": "cs.CV",
            "published_at": utc(2025, 1, 2),
        }
        assert found("johnson") == []
        # The same record again with one more author.
        upsert_papers(
            [
                record(
                    "2604.00003",
                    authors=("Grace Hopper", "Katherine Johnson"),
                    source="arxiv-snapshot",
                    **same,
                )
            ]
        )
        stored = Paper.objects.get(arxiv_id="2604.00003")
        assert list(stored.authors.values_list("name", flat=True))[-1] == "Katherine Johnson"
        assert found("johnson") == ["2604.00003"]
        # Put on the daily list: only a daily-list entry is added.
        assert found("segmentation", filters=Filters(on_daily=True)) == []
        upsert_papers([record("2604.00003", submitted_at=utc(2026, 4, 9, 9), **same)])
        assert found("segmentation", filters=Filters(on_daily=True)) == ["2604.00003"]

    def test_a_late_commit_inside_the_overlap_window_is_not_missed(self, corpus: None) -> None:
        index.catch_up()
        cursor = follow.State.read(conf.index_dir()).cursor
        assert cursor
        # A row written before the cursor but committed after the catch-up.
        late = paper("2604.00010", title="Quasicrystal lattices")
        Paper.objects.filter(pk=late.pk).update(modified_at=utc(2000, 1, 1))
        assert found("quasicrystal") == []  # older than the window: needs a reindex
        from datetime import datetime, timedelta

        inside = datetime.fromisoformat(cursor) - timedelta(seconds=60)
        Paper.objects.filter(pk=late.pk).update(modified_at=inside)
        assert found("quasicrystal") == ["2604.00010"]

    def test_searches_leave_catching_up_to_a_running_worker(self, corpus: None) -> None:
        from django.utils import timezone

        from dailypapers.core.models import WorkerBeat
        from dailypapers.core.status import WORKER_SILENT_SECONDS
        from dailypapers.search import cursor, jobs

        assert found("protein") == ["2604.00001"]  # no worker: the search caught up
        beat = WorkerBeat.objects.create(
            holder="node:1", started_at=timezone.now(), beat_at=timezone.now()
        )
        # A worker that follows a folder of its own (another node) leaves this one's
        # copy to its searches, however recently they caught it up.
        paper("2604.00010", title="Quasicrystal symmetry")
        assert found("quasicrystal") == ["2604.00010"]
        # The worker's own job on this node's folder: searches leave it the following.
        assert jobs.follow_database(utc(2026, 4, 9), lambda: False).startswith("indexed 0")
        paper("2604.00011", title="Quasicrystal lattices")
        assert len(found("quasicrystal")) == 1  # the worker's to index, not the search's
        assert jobs.follow_database(utc(2026, 4, 9), lambda: False).startswith("indexed 1")
        assert len(found("quasicrystal")) == 2

        def caught_up(seconds_ago: float) -> None:
            state = follow.State.read(conf.index_dir())
            then = timezone.now() - timedelta(seconds=seconds_ago)
            state.worker_caught_up_at = then.isoformat()
            state.write(conf.index_dir())

        # A worker busy with a long job leaves the copy behind: searches catch up.
        paper("2604.00012", title="Quasicrystal growth")
        assert len(found("quasicrystal")) == 2
        caught_up(cursor.WORKER_KEEPS_WITHIN + 1)
        assert len(found("quasicrystal")) == 3
        # So they do when the worker is gone (not seen for too long).
        caught_up(0)
        paper("2604.00013", title="Quasicrystal defects")
        assert len(found("quasicrystal")) == 3
        silent = timezone.now() - timedelta(seconds=WORKER_SILENT_SECONDS + 1)
        WorkerBeat.objects.filter(pk=beat.pk).update(beat_at=silent)
        assert len(found("quasicrystal")) == 4

    def test_papers_deleted_since_indexing_are_never_shown_nor_counted(self) -> None:
        for n in range(25):
            paper(f"2604.002{n:02d}", title=f"Quasar survey {n}", abstract="quasar " * (n + 1))
        index.catch_up()
        first = engine.search("quasar", limit=20)
        gone = [h.paper.arxiv_id for h in first.hits[:3]]
        Paper.objects.filter(arxiv_id__in=gone).delete()  # still in the index
        again = engine.search("quasar", limit=20)
        shown = [h.paper.arxiv_id for h in again.hits]
        assert len(shown) == 20 and not set(gone) & set(shown)
        assert again.total == 22
        rest = engine.search("quasar", offset=20, limit=20)
        assert len(rest.hits) == 2 and not {h.paper.arxiv_id for h in rest.hits} & set(shown)

    def test_a_long_query_can_be_searched_by_its_rarest_words(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from dailypapers.search import lexical

        for n in range(6):
            paper(f"2604.003{n:02d}", title=f"Graph study, learning {n}")
        paper("2604.00399", title="Zeolite catalysis")
        index.catch_up()
        assert len(found("graph learning zeolite", use_dense=False)) == 7
        monkeypatch.setattr(lexical, "MAX_TERMS", 1)
        assert found("graph learning zeolite", use_dense=False) == ["2604.00399"]
        assert len(found("graph learning", use_dense=False)) == 6  # the rarer of two

    def test_a_reader_sees_every_commit_of_another_writer(self, tmp_path: Path) -> None:
        # Two handles on one folder, as two processes have.
        folder = tmp_path / "words"
        writing, reading = LexicalIndex(folder), LexicalIndex(folder)

        def add(pk: int, title: str) -> None:
            writer = writing.writer()
            LexicalIndex.add(writer, [_doc(pk, title)])
            writer.commit()
            writer.wait_merging_threads()

        def found(word: str) -> list[int]:
            reading.reload()
            return [pk for pk, _ in reading.search(querylang.parse(word), Filters(), 10)]

        assert found("glacier") == []
        add(1, "Glacier flow")
        assert found("glacier") == [1]
        assert found("glacier") == [1]  # nothing new: the same answer
        add(2, "Glacier melt")
        assert sorted(found("glacier")) == [1, 2]

    def test_catch_up_is_idempotent_and_counts_work(self, corpus: None) -> None:
        assert index.catch_up() == 3
        assert index.catch_up() == 0
        status = index.status()
        assert status["documents"] == 3 and status["pending"] == 0

    def test_reindex_rebuilds_and_resumes(self, corpus: None) -> None:
        for n in range(5):
            paper(f"2604.001{n:02d}", title=f"Resumable topic {n}")
        seen: list[tuple[int, int]] = []
        assert follow.reindex(progress=lambda done, total: seen.append((done, total))) == 8
        assert seen[-1] == (8, 8)
        assert len(found("resumable")) == 5
        # An interrupted rebuild leaves its progress; the next run goes on from there.
        state = follow.State.read(conf.index_dir())
        state.build = {"dir": "lexical-resume", "started_at": state.cursor, "last_id": 0, "done": 0}
        state.write(conf.index_dir())
        (conf.index_dir() / "lexical-resume").mkdir()
        assert follow.reindex() == 8
        assert follow.State.read(conf.index_dir()).lexical == "lexical-resume"
        assert len(found("resumable")) == 5

    def test_the_worker_rebuilds_an_index_made_with_older_fields(self, corpus: None) -> None:
        from dailypapers.search import jobs

        index.catch_up()
        state = follow.State.read(conf.index_dir())
        state.schema -= 1  # as an upgrade that changed the index's fields finds it
        state.write(conf.index_dir())
        assert follow.schema_stale()
        assert found("protein") == []  # the old folder is not read with the new fields
        assert jobs.follow_database(utc(2026, 4, 9), lambda: False).startswith("rebuilt")
        assert not follow.schema_stale()
        assert found("protein") == ["2604.00001"]
        assert jobs.follow_database(utc(2026, 4, 9), lambda: False).startswith("indexed")

    def test_reindex_checkpoints_by_ids_even_when_papers_vanish(
        self, corpus: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for n in range(7):
            paper(f"2604.002{n:02d}", title=f"Checkpointed topic {n}")
        monkeypatch.setattr(follow, "BATCH", 2)
        monkeypatch.setattr(follow, "CHECKPOINT", 4)
        load = documents.load
        vanished: list[int] = []

        def load_after_a_deletion(ids: list[int]) -> list[documents.Doc]:
            # The rebuild's first paper is deleted between reading the ids and the papers.
            if not vanished:
                vanished.append(ids[0])
                Paper.objects.filter(pk=ids[0]).delete()
            return load(ids)

        saved: list[tuple[int, int]] = []
        save = follow._save_build

        def record_save(folder: Any, build: dict[str, Any]) -> None:
            saved.append((build["last_id"], build["done"]))
            save(folder, build)

        monkeypatch.setattr(documents, "load", load_after_a_deletion)
        monkeypatch.setattr(follow, "_save_build", record_save)
        ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True))
        assert follow.reindex() == 9
        # Ten ids in batches of two: a checkpoint after the 4th and the 8th id.
        assert saved == [(ids[3], 3), (ids[7], 7)]
        assert len(found("checkpointed")) == 7

    def test_deleted_papers_are_never_shown(self, corpus: None) -> None:
        assert found("segmentation") == ["2604.00003"]
        Paper.objects.filter(arxiv_id="2604.00003").delete()
        assert found("segmentation") == []

    def test_healthz_reports_how_far_behind_the_node_is(self, corpus: None, client: Client) -> None:
        response = client.get("/healthz")
        data = json.loads(body(response))
        assert response.status_code == 200 and data["ok"] is True
        assert data["search"]["pending"] == 3
        index.catch_up()
        data = json.loads(body(client.get("/healthz")))
        assert data["search"]["pending"] == 0 and data["search"]["documents"] == 3


class TestRanking:
    def test_title_author_and_abstract_words_all_find_papers(self, corpus: None) -> None:
        assert found("protein design") == ["2604.00001"]
        assert found("lovelace") == ["2604.00001"]
        assert found("power law") == ["2604.00002"]

    def test_stemming_matches_other_forms(self, corpus: None) -> None:
        assert found("scaled law") == ["2604.00002"]

    def test_a_repeated_word_weighs_more(self, corpus: None) -> None:
        # "models" alone favours neither strongly; said three times it outweighs "protein".
        assert found("language language language protein")[0] == "2604.00002"

    def test_neighbouring_query_words_rank_papers_that_keep_them_together(self) -> None:
        # The same words, the same lengths: only the order of the words differs, so
        # without the bonus one of the two papers would win both queries.
        paper("2604.00031", title="Layer boundary flow near walls", abstract="Walls and flow.")
        paper("2604.00032", title="Boundary layer flow near walls", abstract="Walls and flow.")
        assert found("boundary layer") == ["2604.00032", "2604.00031"]
        assert found("layer boundary") == ["2604.00031", "2604.00032"]

    def test_a_word_weighs_the_same_in_the_title_as_in_the_abstract(self) -> None:
        # Title and abstract are ranked as one text, as plain BM25 ranks them: scored
        # in each field apart, the word in the short title weighed more.
        paper("2604.00041", title="Kinase inhibitors", abstract="We test compounds on cells.")
        paper("2604.00042", title="Compounds on cells", abstract="We test kinase inhibitors.")
        follow.catch_up()
        words = follow.current()
        assert words is not None
        scores = [s for _, s in words.search(querylang.parse("kinase"), Filters(), 10)]
        assert len(scores) == 2
        assert scores[0] == pytest.approx(scores[1])

    def test_rare_query_words_lean_the_fusion_on_words(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Every paper says "learning", one says "kinase".
        paper("2604.00051", title="Kinase learning", abstract="Learning kinase inhibitors.")
        paper("2604.00052", title="Graph learning", abstract="Learning on graphs.")
        paper("2604.00053", title="Robot learning", abstract="Learning to grasp.")
        follow.catch_up()
        words = follow.current()
        assert words is not None
        assert words.rarity(["learning"]) == 0.0
        assert words.rarity(["kinase"]) == pytest.approx(1.0)
        assert words.rarity(["kinase", "learning"]) == pytest.approx(0.5)
        # A word in no paper does not count; question words are not subject words.
        assert words.rarity(["kinase", "zzyzx", "what"]) == pytest.approx(1.0)
        # With meaning on, the search fuses with the weight that follows.
        monkeypatch.setattr(encoder, "load", lambda **_: WordsEncoder())
        embed.run(utc(2026, 4, 9))
        weights: list[float | None] = []
        fuse = fusion.fuse

        def recorded(lexical: Any, dense: Any, alpha: float | None = None) -> Any:
            weights.append(alpha)
            return fuse(lexical, dense, alpha)

        monkeypatch.setattr(fusion, "fuse", recorded)
        assert engine.search("learning").mode == "hybrid"
        engine.search("kinase")
        # Each search fuses twice: the first pass, then the feedback pass a little
        # more on words (feedback.ALPHA_SHIFT).
        common = fusion.rare_alpha(fusion.ALPHA, 0.0)
        rare = fusion.rare_alpha(fusion.ALPHA, 1.0)
        shift = feedback.ALPHA_SHIFT
        assert weights == [
            pytest.approx(common),
            pytest.approx(common + shift),
            pytest.approx(rare),
            pytest.approx(rare + shift),
        ]
        assert common < fusion.ALPHA < rare

    def test_free_words_find_authors_only_where_they_are_names(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        paper("2604.00061", title="Long context models", abstract="Attention over long text.")
        paper("2604.00062", title="Long video generation", abstract="A video model.")
        paper(
            "2604.00063",
            title="Sparse retrieval",
            abstract="Index compression.",
            authors=("Wei Long", "A. Hopper"),
        )
        # "long" is a surname here, but more papers say it than are written by a Long;
        # "a" is an initial, and a stop word. Neither finds the third paper.
        assert found("long") == ["2604.00061", "2604.00062"]
        assert found("a video") == ["2604.00062"]
        # A word that is mostly a name still finds its author's papers.
        assert found("hopper") == ["2604.00063"]
        assert found("wei") == ["2604.00063"]
        # Every free word looked for among the names: the third paper came back.
        monkeypatch.setattr(lexical, "NAME_MATCH", "all")
        assert sorted(found("long")) == ["2604.00061", "2604.00062", "2604.00063"]
        assert sorted(found("a video")) == ["2604.00062", "2604.00063"]

    def test_a_query_of_names_alone_is_searched_by_words(
        self, corpus: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(encoder, "load", lambda **_: WordsEncoder())
        embed.run(utc(2026, 4, 9))
        result = engine.search("grace hopper")
        assert result.mode == "lexical"
        assert sorted(h.paper.arxiv_id for h in result.hits) == ["2604.00002", "2604.00003"]
        # A stop word beside the name changes nothing; a subject word brings meaning in.
        assert engine.search("the lovelace").mode == "lexical"
        assert engine.search("hopper segmentation").mode == "hybrid"
        # Every free word taken for a name, as before: meaning joined in.
        monkeypatch.setattr(lexical, "NAME_MATCH", "all")
        assert engine.search("grace hopper").mode == "hybrid"

    def test_question_words_do_not_count(self, corpus: None) -> None:
        paper("2604.00033", title="What can we do", abstract="What should we do, and how?")
        assert found("what is known about protein design") == ["2604.00001"]
        # A query of nothing but question words still searches for them.
        assert found("what how") == ["2604.00033"]

    def test_quoted_phrase_needs_the_words_in_order(self, corpus: None) -> None:
        paper("2604.00020", title="Art of the state", abstract="Nothing about segmentation.")
        assert found('"state of the art"') == ["2604.00003"]

    def test_prefixes(self, corpus: None) -> None:
        assert set(found('author:"Grace Hopper"')) == {"2604.00002", "2604.00003"}
        assert found("author:hopper title:scaling") == ["2604.00002"]
        assert found("models cat:cs.CL") == ["2604.00002"]
        assert found("cat:cs.cv") == ["2604.00003"]

    def test_filters_and_sorts(self, corpus: None) -> None:
        assert found("models", filters=Filters(has_code=True)) == ["2604.00001"]
        assert found("segmentation", filters=Filters(on_daily=True)) == []
        assert found("hopper", filters=Filters(on_daily=True)) == ["2604.00002"]
        import datetime as dt

        old = Filters(date_to=dt.date(2025, 12, 31))
        assert found("hopper", filters=old) == ["2604.00003"]
        assert found("models", sort="upvotes") == ["2604.00002", "2604.00001"]
        assert found("hopper", sort="date") == ["2604.00002", "2604.00003"]

    def test_pagination(self) -> None:
        for n in range(7):
            paper(f"2604.002{n:02d}", title=f"Paginated result {n}", upvotes=n)
        first = engine.search("paginated", sort="upvotes", limit=3)
        second = engine.search("paginated", sort="upvotes", limit=3, offset=3)
        third = engine.search("paginated", sort="upvotes", limit=3, offset=6)
        ids = [h.paper.arxiv_id for r in (first, second, third) for h in r.hits]
        assert ids == [f"2604.002{n:02d}" for n in range(6, -1, -1)]
        assert first.total == 7 and first.has_next and not third.has_next

    def test_typos_get_a_suggestion(self, corpus: None) -> None:
        result = engine.search("protien")
        assert result.hits == [] and result.suggestion == "protein"

    def test_an_arxiv_id_or_url_is_a_redirect(self, corpus: None) -> None:
        assert engine.search("https://arxiv.org/abs/2604.00002v3").redirect == "2604.00002"
        assert engine.search("arXiv:2604.00002").redirect == "2604.00002"

    def test_highlights_mark_matched_words(self, corpus: None) -> None:
        hit = engine.search("protein").hits[0]
        marked = [s["text"] for s in hit.title_segments if s["type"] == "highlight"]
        assert marked == ["protein"]
        assert "".join(s["text"] for s in hit.summary_segments) == hit.paper.abstract

    def test_without_a_model_search_says_it_uses_words_for_now(self, corpus: None) -> None:
        result = engine.search("protein")
        assert result.mode == "lexical"
        assert any("Searching by words for now: the model" in note for note in result.notes)


HOSTILE = [
    "\x00",
    "a\x00b",
    '"unbalanced',
    '"""',
    "author:",
    "cat:",
    'title:"',
    "((((",
    "AND OR NOT",
    "*",
    "field:value^2~3",
    "\u202etxet",
    "x" * 10_000,
    "word " * 2_000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00%ff",
]


class TestPage:
    def test_results_filters_and_highlights(self, corpus: None, client: Client) -> None:
        html = body(client.get("/search", {"q": "protein"}))
        assert '<a href="/papers/2604.00001"><mark>protein</mark>' in html.replace(
            "Diffusion models for ", ""
        )
        html = body(client.get("/search", {"q": "models", "code": "1"}))
        assert "/papers/2604.00001" in html and "/papers/2604.00002" not in html

    def test_marked_text_is_escaped_and_reads_a_fixed_number_of_queries(
        self, corpus: None, client: Client, django_assert_max_num_queries: Any
    ) -> None:
        paper("2604.00020", title="Protein <b>folding</b> & co", abstract="A protein <i>x</i>.")
        index.catch_up()
        with django_assert_max_num_queries(12) as few:
            html = body(client.get("/search", {"q": "protein"}))
        assert "<mark>Protein</mark> &lt;b&gt;folding&lt;/b&gt; &amp; co" in html
        assert "A <mark>protein</mark> &lt;i&gt;x&lt;/i&gt;." in html
        for n in range(30):
            paper(f"2604.001{n:02d}", title=f"Protein study {n}", authors=("A B", "C D"))
        index.catch_up()
        with django_assert_max_num_queries(len(few.captured_queries)):
            html = body(client.get("/search", {"q": "protein"}))
        assert html.count('<h3><a href="/papers/') == 20  # a full page
        assert html.count("<mark>Protein</mark> study") >= 18

    def test_empty_query_shows_trending(self, corpus: None, client: Client) -> None:
        html = body(client.get("/search"))
        assert "Trending" in html

    def test_no_results_offer_a_suggestion(self, corpus: None, client: Client) -> None:
        html = body(client.get("/search", {"q": "protien"}))
        assert "Did you mean" in html and "q=protein" in html

    def test_arxiv_url_goes_straight_to_the_paper(self, corpus: None, client: Client) -> None:
        response = client.get("/search", {"q": "https://arxiv.org/abs/2604.00001v2"})
        assert response.status_code == 302 and response["Location"] == "/papers/2604.00001"

    @pytest.mark.parametrize("q", HOSTILE)
    def test_hostile_queries_never_fail(self, corpus: None, client: Client, q: str) -> None:
        response = client.get("/search", {"q": q, "from": "nope", "sort": "??", "cat": "x\u202e"})
        # Text PostgreSQL cannot store is refused before the search, on every database.
        assert response.status_code == (400 if "\x00" in q else 200)
        assert "<script>alert(1)" not in body(response)
        refused = client.get("/search", {"q": "ok", "cat": "\x00"})
        assert refused.status_code == 400 and b"NUL character" in refused.content

    def test_pages_link_onwards(self, client: Client) -> None:
        for n in range(25):
            paper(f"2604.003{n:02d}", title=f"Many results {n}")
        html = body(client.get("/search", {"q": "many results"}))
        assert 'rel="next" href="?q=many+results&amp;page=2"' in html
        html = body(client.get("/search", {"q": "many results", "page": "2"}))
        assert 'rel="prev"' in html and html.count("<li>\n      <h3>") == 5


class TestApi:
    def test_shape_matches_upstream(self, corpus: None, client: Client) -> None:
        upstream_path = SHARED_DATA / "upstream/hf-api/papers_search_q-kazakh.json"
        response = client.get("/api/papers/search", {"q": "protein"})
        assert response.status_code == 200
        data = json.loads(body(response))
        assert [e["paper"]["id"] for e in data] == ["2604.00001"]
        if upstream_path.exists():
            upstream = json.loads(upstream_path.read_text())[0]
            assert set(upstream) <= set(data[0])
        assert {"type": "highlight", "text": "protein"} in data[0]["highlightedTitle"]
        assert "".join(s["text"] for s in data[0]["highlightedSummary"]) == data[0]["summary"]

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({}, "q is required"),
            ({"q": "x" * 251}, "at most 250"),
            ({"q": "x", "limit": "0"}, "limit"),
            ({"q": "x", "limit": "121"}, "limit"),
            ({"q": "x", "sort": "best"}, "sort"),
            ({"q": "x", "from": "yesterday"}, "from"),
        ],
    )
    def test_bad_parameters_are_400(
        self, client: Client, params: dict[str, str], message: str
    ) -> None:
        response = client.get("/api/papers/search", params)
        assert response.status_code == 400
        assert message in json.loads(body(response))["error"]

    def test_limit_and_hostile_q(self, corpus: None, client: Client) -> None:
        assert (
            len(json.loads(body(client.get("/api/papers/search", {"q": "models", "limit": "1"}))))
            == 1
        )
        for q in HOSTILE:
            response = client.get("/api/papers/search", {"q": q[:250]})
            # NUL, which PostgreSQL cannot store, is refused (in the API's JSON shape).
            assert response.status_code == (400 if "\x00" in q else 200), q
            assert response.status_code == 200 or "NUL" in response.json()["error"]

    def test_official_route_for_a_paper_still_works(self, corpus: None, client: Client) -> None:
        assert json.loads(body(client.get("/api/papers/2604.00001")))["id"] == "2604.00001"


class TestCommand:
    def test_search_prints_results_and_json(self, corpus: None) -> None:
        out = StringIO()
        call_command("search", "protein", stdout=out)
        assert "2604.00001" in out.getvalue() and "Diffusion models" in out.getvalue()
        out = StringIO()
        call_command("search", "protein", "--json", stdout=out)
        assert json.loads(out.getvalue())[0]["paper"]["id"] == "2604.00001"

    def test_reindex_and_status(self, corpus: None) -> None:
        out = StringIO()
        call_command("search", "reindex", stdout=out, stderr=StringIO())
        assert "reindexed 3 papers" in out.getvalue()
        out = StringIO()
        call_command("search", "status", stdout=out)
        assert json.loads(out.getvalue())["documents"] == 3


@pytest.mark.django_db
def test_a_count_past_the_candidate_lists_says_so(client: Client) -> None:
    upsert_papers(
        [
            record(f"2604.{n:05d}", title=f"Graph study {n}", abstract="graphs and more graphs")
            for n in range(1, engine.CANDIDATES + 21)
        ]
    )
    paper("2604.09999", title="Protein folding", abstract="alone")
    index.catch_up()
    many = engine.search("graph")
    assert many.capped and many.total >= engine.CANDIDATES
    assert f"{many.total}+ results" in body(client.get("/search", {"q": "graph"}))
    few = engine.search("protein")
    assert not few.capped
    assert f"{few.total} result" in body(client.get("/search", {"q": "protein"}))
    assert "+ result" not in body(client.get("/search", {"q": "protein"}))
