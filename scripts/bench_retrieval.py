"""Retrieval latency against its floor: the bare sentence-transformers encoding of the same queries.

Run with the action-side python (``make bench`` or ``.venv/actions/bin/python scripts/bench_retrieval.py``). For
each eval question it times, in alternating order, one full ``Retriever.search`` (encoding, FAISS, BM25 on
spaCy lemmas, character n-grams, static vectors, fusion) and one bare ``model.encode`` of the same text. The
retriever's per-query caches are emptied before every timed search, so nothing is served from memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.retrieval import get_retriever  # noqa: E402  (after the offline switches and the path)
from bot.retrieval.cli import DEFAULT_EVAL_SET  # noqa: E402
from bot.retrieval.evaluation import load_questions  # noqa: E402
from bot.retrieval.lexical import _analyse_cached  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="eval_set", type=Path, default=DEFAULT_EVAL_SET)
    parser.add_argument("--rounds", type=int, default=1, help="passes over the questions (default 1)")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--markdown", type=Path, help="also write the result as a markdown snippet to this file")
    args = parser.parse_args(argv)

    retriever = get_retriever()
    model = retriever.encoder.model
    questions = load_questions(args.eval_set)

    def bare(text: str) -> None:
        model.encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def full(text: str, lang: str) -> None:
        retriever._vectors.clear()  # no cached query vector
        _analyse_cached.cache_clear()  # no cached spaCy analysis
        retriever.search(text, lang=lang, k=args.k)

    for question in questions[:20]:  # warm-up: model, spaCy pipelines, allocator
        full(question.q, question.lang)
        bare(question.q)

    def overhead(text: str, lang: str) -> None:
        retriever._vectors[text] = retriever._query_vector(text)  # the encoding is done before the clock starts
        _analyse_cached.cache_clear()
        started = time.perf_counter()
        retriever.search(text, lang=lang, k=args.k)
        overhead_ms.append((time.perf_counter() - started) * 1000)

    search_ms: list[float] = []
    encode_ms: list[float] = []
    overhead_ms: list[float] = []
    for round_ in range(args.rounds):
        for i, question in enumerate(questions):
            q, lang = question.q, question.lang
            steps = [("search", lambda q=q, lang=lang: full(q, lang)), ("encode", lambda q=q: bare(q))]
            if (i + round_) % 2:  # alternate the order so load changes hit both equally
                steps.reverse()
            for name, step in steps:
                started = time.perf_counter()
                step()
                elapsed = (time.perf_counter() - started) * 1000
                (search_ms if name == "search" else encode_ms).append(elapsed)
            overhead(question.q, question.lang)

    rows = [
        (f"retrieval (search, k={args.k})", search_ms),
        ("bare encode (sentence-transformers)", encode_ms),
        ("retrieval minus encoding (spaCy, BM25, FAISS, fusion)", overhead_ms),
    ]
    ratio = percentile(search_ms, 95) / percentile(encode_ms, 95)
    lines = [
        f"Retrieval latency, {len(search_ms)} single queries ({len(questions)} eval questions × {args.rounds}), "
        f"model {retriever.encoder.name}, {retriever.index.manifest.get('passages')} passages,",
        f"{platform.machine()} × {os.cpu_count()} CPUs, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC.",
        "",
        "| what | p50 (ms) | p95 (ms) | mean (ms) |",
        "|---|---|---|---|",
    ]
    for label, values in rows:
        lines.append(
            f"| {label} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} | {statistics.mean(values):.1f} |"
        )
    lines += ["", f"retrieval p95 / encode p95 = {ratio:.2f} (target ≤ 1.5)"]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
