"""The sentence encoder at run time: ONNX Runtime and ``tokenizers``, on the CPU.

The model file is built once per machine from the packaged weights (modelbuild.py):
by the worker on its first start, or by ``dailypapers search build-model``. Until
it exists, ``load()`` returns None and search works by words alone.
"""

from __future__ import annotations

import importlib
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dailypapers.search import conf

MODEL_NAME = "all-MiniLM-L6-v2-int8"
MODEL_FILE = "all-minilm-l6-v2-int8.onnx"
TOKENIZER_FILE = "all-minilm-l6-v2-tokenizer.json"
DIM = 384
# The window the model was trained with; longer input is cut (the head of the
# abstract is kept: see documents.embedding_text).
MAX_TOKENS = 256

# Texts per ONNX Runtime call. The int8 model quantizes its activations with one
# scale per call, so a text run together with others would get a vector that
# depends on them. One at a time, a paper's vector is the same whatever it was
# embedded with, and on Cranfield it ranks better (dense nDCG@10 0.3792 with 32
# per call, 0.3829 with one; benchmarks/SEARCH.md). It is no slower here: real
# abstracts fill the window, so batches gain nothing from padding (85 docs/s at 1,
# 87 at 32 on 2 cores).
BATCH = 1
# Long abstracts: ``Encoder.windows`` cuts the pieces past the first window into further
# windows, each opened by the title (a tail of fewer than MIN_TAIL new pieces is left
# out). Papers are embedded by their first window only: several windows a paper were
# measured and not taken (benchmarks/SEARCH.md, 2026-12-06); the benchmark reads them.
MIN_TAIL = 32

Vectors = npt.NDArray[np.float32]


class Encoder:
    def __init__(self, folder: Path, threads: int | None = None) -> None:
        self._open(folder / MODEL_FILE, folder / TOKENIZER_FILE, threads)

    @classmethod
    def from_files(cls, model: Path, tokenizer: Path, threads: int | None = None) -> Encoder:
        """An encoder for a model file and tokenizer outside a model folder (the build's check)."""
        self = cls.__new__(cls)
        self._open(model, tokenizer, threads)
        return self

    def _open(self, model: Path, tokenizer: Path, threads: int | None) -> None:
        from tokenizers import Tokenizer

        onnxruntime: Any = importlib.import_module("onnxruntime")  # ships no type hints

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self._tokenizer_file = tokenizer
        self._whole: Any = None  # the same tokenizer, uncut (``windows``), when first needed

    def tokenize(self, texts: list[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Ids and mask padded to the longest text of this batch, not to the window."""
        encoded = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, e in enumerate(encoded):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        return ids, mask

    def encode(self, texts: list[str], batch: int = BATCH) -> Vectors:
        """Unit-length vectors, one row per text, in the order given.

        With ``batch`` above 1 (see BATCH for why it is not), texts run in batches of
        similar length, so little time goes into padding.
        """
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        lengths = [len(t) for t in texts]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            ids, mask = self.tokenize([texts[i] for i in rows])
            out[rows] = self._run(ids, mask)
        return out

    def _run(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]) -> Vectors:
        result: Any = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return np.asarray(result[0], dtype=np.float32)

    def windows(self, title: str, text: str) -> list[list[int]]:
        """``text``'s word pieces in windows of MAX_TOKENS, with the special pieces.

        The first window is what ``encode([text])`` reads; each further one opens with
        the title's pieces and a full stop, then goes on where the one before ended.
        """
        if self._whole is None:
            from tokenizers import Tokenizer

            self._whole = Tokenizer.from_file(str(self._tokenizer_file))
            self._whole.no_truncation()
            self._whole.no_padding()
        cls, sep = (self.tokenizer.token_to_id(t) or 0 for t in ("[CLS]", "[SEP]"))
        pieces = self._whole.encode(text, add_special_tokens=False).ids
        room = MAX_TOKENS - 2
        out = [[cls, *pieces[:room], sep]]
        head = self._whole.encode(f"{title}.", add_special_tokens=False).ids[: room // 2]
        step = room - len(head)
        at = room
        while len(pieces) - at >= MIN_TAIL:
            out.append([cls, *head, *pieces[at : at + step], sep])
            at += step
        return out

    def encode_pieces(self, windows: list[list[int]]) -> Vectors:
        """Unit-length vectors of windows of word pieces (see ``windows``), one per call."""
        out = np.zeros((len(windows), DIM), dtype=np.float32)
        for row, window in enumerate(windows):
            ids = np.asarray([window], dtype=np.int64)
            out[row] = self._run(ids, np.ones_like(ids))[0]
        return out


_loaded: dict[str, Encoder | None] = {}
_lock = threading.Lock()


def available(folder: Path | None = None) -> bool:
    folder = folder or conf.model_dir()
    return (folder / MODEL_FILE).exists() and (folder / TOKENIZER_FILE).exists()


def load(*, queries: bool = False) -> Encoder | None:
    """This process's encoder, or None when no model file was built.

    ``queries``: the one for search queries, on one thread. A query is a few words
    (under a millisecond on one core), and it is embedded while the lexical search
    runs on the other core (engine.py): a second ONNX thread would only compete
    with it (query embedding p50 4.3 ms with two threads beside a 1M-paper search).
    """
    folder = conf.model_dir()
    key = f"{folder}|{'queries' if queries else 'documents'}"
    with _lock:
        if key not in _loaded or _loaded[key] is None:
            found = available(folder)
            _loaded[key] = Encoder(folder, threads=1 if queries else None) if found else None
        return _loaded[key]
