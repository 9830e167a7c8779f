"""Vectors: the embedding job, each node's copy, hybrid ranking and similar papers.

Most tests use a small stand-in encoder (hashed word counts), so they run where
the ONNX model was never built; the last class uses the real model and is
skipped, with the reason, when its file is absent.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone

from dailypapers.papers.models import Paper
from dailypapers.search import dense, embed, encoder, engine, index, similar
from dailypapers.search.models import Embedding
from tests.factories import paper, utc

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


REAL_MODEL = Path(os.environ.get("DAILYPAPERS_SEARCH_MODEL_DIR", "data/models"))


@pytest.mark.skipif(
    not encoder.available(REAL_MODEL),
    reason=f"no ONNX model in {REAL_MODEL}: build it with `dailypapers search build-model`",
)
class TestRealModel:
    def test_meaning_is_close_for_paraphrases(self) -> None:
        model = encoder.Encoder(REAL_MODEL)
        a, b, c = model.encode(
            [
                "How do proteins fold into their three-dimensional shape?",
                "Predicting the 3D structure of a protein from its sequence.",
                "Scaling laws of large language models.",
            ]
        )
        assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-3
        assert float(a @ b) > float(a @ c) + 0.2
