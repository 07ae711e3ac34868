"""``python -m bot search|index|eval``: the knowledge index for people and scripts (action-side environment)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from bot.settings import PROJECT_ROOT, get_settings

DEFAULT_EVAL_SET = PROJECT_ROOT / "tests" / "eval" / "retrieval_questions.yml"


def search(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot search", description="Search the knowledge base.")
    parser.add_argument("question")
    parser.add_argument("--lang", choices=("en", "fr"), help="only passages in this language (default: both)")
    parser.add_argument("--k", type=int, default=5, help="number of passages (default 5)")
    parser.add_argument(
        "--method",
        choices=("hybrid", "dense", "dense-e5", "bm25"),
        default="hybrid",
        help="dense: EMBEDDING_MODEL alone; dense-e5: multilingual-e5-small alone",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list of passages")
    args = parser.parse_args(argv)
    if args.k < 1:
        parser.error("--k must be at least 1")
    from bot.retrieval import get_retriever

    retriever = get_retriever()
    hits = retriever.search(args.question, lang=args.lang, k=args.k, method=args.method)
    if args.json:
        print(json.dumps([hit.to_dict() for hit in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("no passage (empty question or empty knowledge base)")
        return 0
    for rank, hit in enumerate(hits, start=1):
        threshold = retriever.threshold(hit.lang)
        mark = "" if hit.score >= threshold else f"  (below the answer threshold {threshold:.3f})"
        print(f"{rank}. [{hit.lang}] {hit.title_path}  score {hit.score:.3f}{mark}")
        print(f"   {hit.id}  source: {hit.source}")
    return 0


def index(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot index", description="Build the knowledge index if needed.")
    parser.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    args = parser.parse_args(argv)
    from bot.retrieval.index import MANIFEST_FILE, ensure_index, index_status, read_manifest

    settings = get_settings()
    reasons = index_status(settings)
    started = time.perf_counter()
    built = ensure_index(settings, force=args.force)
    if not built:
        print(f"index up to date in {settings.index_dir} (model {settings.embedding_model})")
        return 0
    manifest = read_manifest(settings.index_dir) or {}
    why = "; ".join(reasons) if reasons else "--force"
    print(
        f"built the index in {time.perf_counter() - started:.1f} s ({why}): {manifest.get('passages')} passages "
        f"{manifest.get('languages')}, {manifest.get('vectors')} vectors, model {manifest.get('model')}; "
        f"manifest: {settings.index_dir / MANIFEST_FILE}"
    )
    for problem in manifest.get("skipped_files") or []:
        print(f"warning: left out of the index: {problem}", file=sys.stderr)
    return 0


def evaluate(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot eval", description="Retrieval quality per language and method, and the threshold."
    )
    parser.add_argument("--set", dest="eval_set", type=Path, default=DEFAULT_EVAL_SET)
    parser.add_argument(
        "--write-tuning",
        action="store_true",
        help="grid-search the fusion and the thresholds on the dev half and save them in bot/retrieval/tuning.json",
    )
    args = parser.parse_args(argv)
    from bot.retrieval.evaluation import (
        WRONG_COST,
        decisions,
        format_table,
        load_questions,
        method_label,
        threshold_report,
        topic_switches,
        tune,
        unknown_targets,
        write_tuning,
    )
    from bot.retrieval.evaluation import (
        evaluate as run_eval,
    )
    from bot.retrieval.retriever import get_retriever

    questions = load_questions(args.eval_set)
    retriever = get_retriever()
    unknown = unknown_targets(questions, retriever.passages)
    if unknown:
        print(f"{args.eval_set}: expected ids not in the knowledge base: {', '.join(unknown)}", file=sys.stderr)
        return 1
    if args.write_tuning:
        tuned, note = tune(retriever, questions)
        shown = args.eval_set.resolve()
        shown = shown.relative_to(PROJECT_ROOT) if shown.is_relative_to(PROJECT_ROOT) else shown
        second = [encoder.name for short, (encoder, _) in retriever.encoders.items() if short]
        write_tuning(tuned, shown, note, retriever.encoder.name, second_encoders=second)
        print(f"wrote bot/retrieval/tuning.json: {note}; thresholds {tuned.thresholds}")
        for lang, fusion in tuned.fusion.items():
            print(f"  {lang}: {fusion.to_json()}")
        print()
    answerable = [q for q in questions if q.answerable and not q.follow_up]
    follow_ups = [q for q in questions if q.answerable and q.follow_up]
    counts = {lang: sum(q.lang == lang for q in answerable) for lang in ("en", "fr")}
    print(
        f"eval set {args.eval_set}: {len(answerable)} answerable questions {counts}, {len(follow_ups)} follow-ups, "
        f"{sum(not q.answerable for q in questions)} out of scope; relevance: the passage id, or the document id "
        "where the set gives one\n"
    )
    print("| method | encoders |\n|---|---|")
    for method in retriever.methods():
        print(f"| {method} | {method_label(retriever, method)} |")
    print()
    print(format_table(run_eval(retriever, answerable), "All answerable questions"))
    print()
    test = [q for q in questions if q.split == "test"]
    print(format_table(run_eval(retriever, [q for q in test if not q.follow_up]), "Test half (odd positions)"))
    print()
    follow = run_eval(retriever, follow_ups, ("hybrid",))
    plain = run_eval(retriever, [replace(q, topic=None) for q in follow_ups], ("hybrid",))
    switches = run_eval(retriever, topic_switches(questions), ("hybrid",))
    switches_plain = run_eval(retriever, [replace(q, topic=None) for q in topic_switches(questions)], ("hybrid",))
    lines = [
        "### Follow-ups and topic switches (hybrid)",
        "",
        "| lang | questions | n | R@1 | R@3 | MRR |",
        "|---|---|---|---|---|---|",
    ]
    for lang in ("en", "fr"):
        for label, table in (
            ("follow-ups, with topic", follow),
            ("follow-ups, without topic", plain),
            ("after another article's answer, with its topic", switches),
            ("the same, without topic", switches_plain),
        ):
            scores = table.get((lang, "hybrid"))
            if scores and scores.n:
                lines.append(
                    f"| {lang} | {label} | {scores.n} | {scores.recall(1):.3f} | {scores.recall(3):.3f} "
                    f"| {scores.mrr:.3f} |"
                )
    print("\n".join(lines))
    print()
    thresholds = retriever.tuning.thresholds
    print(f"(a wrong answer counts {WRONG_COST:g} times a right one when the threshold is tuned)\n")
    print(threshold_report(decisions(retriever, questions), thresholds, " — all questions"))
    print()
    print(threshold_report(decisions(retriever, test), thresholds, " — test half"))
    return 0


COMMANDS = {"search": search, "index": index, "eval": evaluate}
