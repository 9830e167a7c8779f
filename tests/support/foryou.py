"""A small hub for the For you tests: yesterday's papers (a reader's history), today's
list of twelve, and vectors from hashed words so that no model is needed."""

from __future__ import annotations

import re
import zlib

import numpy as np
import numpy.typing as npt
import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dailypapers.papers import services as paper_services
from dailypapers.papers.models import Paper
from dailypapers.search import dense, embed, encoder
from tests.support.factories import paper, utc


class WordsEncoder:
    """Unit vectors of hashed word counts: texts sharing words are near each other."""

    def encode(self, texts: list[str], batch: int = 32) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), encoder.DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, zlib.crc32(word.encode()) % encoder.DIM] += 1.0
            out[row] /= max(float(np.linalg.norm(out[row])), 1e-9)
        return out


PROTEIN = "protein folding structure prediction residues"
LANGUAGE = "language model tokens pretraining instruction"


def seed_hub(monkeypatch: pytest.MonkeyPatch) -> dict[str, Paper]:
    """Yesterday's papers (the reader's history) and today's list of twelve, indexed by
    meaning with WordsEncoder; by name."""
    made: dict[str, Paper] = {}
    for n in range(3):
        made[f"old-protein-{n}"] = paper(
            title=f"Protein folding study {n}",
            abstract=f"{PROTEIN} {n}",
            submitted_at=utc(2026, 4, 1, 9, n),
            authors=("Grace Hopper", f"Helper {n}"),
        )
    made["old-language"] = paper(
        title="Language model study",
        abstract=LANGUAGE,
        submitted_at=utc(2026, 4, 1, 10),
        authors=("Someone Else",),
    )
    for n in range(8):
        made[f"language-{n}"] = paper(
            title=f"Language model number {n}",
            abstract=f"{LANGUAGE} {n}",
            submitted_at=utc(2026, 4, 2, 8, n),
            upvotes=100 - n,
            authors=(f"Writer {n}",),
        )
    made["protein"] = paper(
        title="Protein folding with diffusion",
        abstract=PROTEIN,
        submitted_at=utc(2026, 4, 2, 9),
        upvotes=3,
        authors=("Folder One",),
    )
    made["hopper"] = paper(
        title="Compilers for everyone",
        abstract="compiler design for programmers",
        submitted_at=utc(2026, 4, 2, 9, 1),
        upvotes=2,
        authors=("Grace Hopper",),
    )
    made["robots"] = paper(
        title="Robot grasping",
        abstract="robot arms grasp objects",
        submitted_at=utc(2026, 4, 2, 9, 2),
        upvotes=1,
        authors=("Rob Ot",),
    )
    made["quantum"] = paper(
        title="Quantum error correction",
        abstract="qubits and surface codes",
        submitted_at=utc(2026, 4, 2, 9, 3),
        upvotes=0,
        authors=("Q Bit",),
    )
    monkeypatch.setattr(encoder, "load", lambda **_: WordsEncoder())
    embed.run(timezone.now())
    dense.sync()
    return made


def upvote(user: User, *papers: Paper) -> None:
    for p in papers:
        paper_services.toggle_upvote(int(user.pk), p.pk, True)
