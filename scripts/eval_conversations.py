"""End-to-end evaluation: the held-out conversations (tests/eval/conversations/{en,fr}.yml) through the REST channel.

Every item is one conversation (a fresh ``sender``); each user turn may carry ``expect`` (regular expressions, case
insensitive, that the bot's reply to that message must ALL contain) and ``forbid`` (regular expressions it must not
contain). Per language it reports:

- facts: items whose every turn matched all its ``expect`` and none of its ``forbid`` (and, separately, the first turn);
- wrong: items with a turn that failed its checks with a confident reply (an answer: not one of the kinds below);
- asked: items with a failing turn whose reply is only a form question (``utter_ask_*``, after ``utter_flow_intro``):
  the bot asked instead of answering;
- did you mean: items with a failing turn answered with the ``utter_clarify`` buttons;
- don't know: items with a failing turn answered with ``utter_knowledge_unknown`` (texts read from domain.yml);
- dead ends: items with a turn answered with the core fallback (``utter_default``), the no-reply apology
  (``utter_technical_problem``) or nothing at all;
- language: items whose every reply is in the expected language (the item's ``lang``, or a turn's own ``lang``
  after an explicit switch); a reply too short to tell is not counted against it;
- p50 latency of one turn (the REST round trip).

Items are sent one after the other (the machine has two cores). When no server answers at ``--url``, the servers
are started with the test harness (tests/support/processes.py) on free loopback ports, and stopped at the end.

    .venv/rasa/bin/python scripts/eval_conversations.py [--url URL] [--lang en|fr] [--only ID] [--tag TAG]
        [--failures] [--json FILE] [--strict]

Exit status 1 with ``--strict`` when a language misses the targets of issue 14 (facts >= 90 %, dead ends <= 2 %,
wrong <= 5 %, reply language 100 %); 2 on bad input, when no server could be reached or started, or when it stopped
answering during the run and did not come back within two minutes (an item is then run again from its start).
Runs with either environment's Python (.venv/rasa or .venv/actions): it needs only PyYAML and the standard library.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.settings import get_settings  # noqa: E402  (standard library only, like this script)
from bot.text import words as text_words  # noqa: E402  (standard library only, like this script)

CONVERSATIONS = ROOT / "tests" / "eval" / "conversations"
LANGUAGES = ("en", "fr")
TARGETS = {"facts": 0.90, "dead_ends": 0.02, "wrong": 0.05, "language": 1.0}

UNKNOWN_RESPONSES = ("utter_knowledge_unknown",)
DEAD_END_RESPONSES = ("utter_default", "utter_technical_problem")
CLARIFY_RESPONSES = ("utter_clarify",)
FLOW_INTRO_RESPONSES = ("utter_flow_intro",)  # "To answer precisely, I need a few details." before a form question


# --- the set ---------------------------------------------------------------------------------------------------------


def load_items(lang: str, directory: Path = CONVERSATIONS) -> list[dict[str, Any]]:
    """The items of one language's file (a YAML list, or a mapping with an ``items`` list)."""
    data = yaml.safe_load((directory / f"{lang}.yml").read_text(encoding="utf-8"))
    items = data.get("items", []) if isinstance(data, dict) else data
    return list(items or [])


def compile_all(patterns: Iterable[str] | None) -> list[re.Pattern[str]]:
    return [re.compile(pattern, re.IGNORECASE) for pattern in patterns or []]


# --- what the bot's replies are --------------------------------------------------------------------------------------


def response_texts(names: Iterable[str], domain: Path = ROOT / "domain.yml", prefix: str | None = None) -> list[str]:
    """Every text variant (both languages) of the named responses in domain.yml (and of those starting with
    ``prefix``)."""
    responses = (yaml.safe_load(domain.read_text(encoding="utf-8")) or {}).get("responses", {})
    chosen = list(names) + [name for name in responses if prefix and name.startswith(prefix)]
    return [variant["text"] for name in chosen for variant in responses.get(name, []) if variant.get("text")]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


class ReplyKinds:
    """Tells "I don't know", dead ends, "did you mean" and bare form questions from answers, by the response texts of
    domain.yml."""

    def __init__(self, domain: Path = ROOT / "domain.yml") -> None:
        self.unknown = [_squash(text) for text in response_texts(UNKNOWN_RESPONSES, domain)]
        self.dead_end = [_squash(text) for text in response_texts(DEAD_END_RESPONSES, domain)]
        self.clarify = [_squash(text) for text in response_texts(CLARIFY_RESPONSES, domain)]
        self.questions = {_squash(text) for text in response_texts(FLOW_INTRO_RESPONSES, domain, prefix="utter_ask_")}

    @staticmethod
    def _contains(texts: list[str], reply: str) -> bool:
        # The response may be sent alone or as one message of several: compare whole texts, and the first line
        # (a few characters of a template may be filled in).
        return any(text in reply or text.split(".")[0] in reply for text in texts if text)

    def kind(self, messages: list[dict[str, Any]]) -> str:
        """answer | unknown | dead_end | clarify | asked for the bot's messages in reply to one user turn.

        ``asked``: every text is a form question (or the "I need a few details" before one): the bot asked instead
        of answering. ``clarify``: the "did you mean" buttons."""
        texts = [_squash(message.get("text") or "") for message in messages]
        if not any(texts) and not any(message.get("buttons") or message.get("custom") for message in messages):
            return "dead_end"
        joined = " ".join(texts)
        if self._contains(self.dead_end, joined):
            return "dead_end"
        if self._contains(self.unknown, joined):
            return "unknown"
        if any(text.startswith(clarify) for text in texts for clarify in self.clarify if clarify):
            return "clarify"
        if all(text in self.questions for text in texts if text):
            return "asked"
        return "answer"


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def reply_text(messages: list[dict[str, Any]]) -> str:
    """The texts of the bot's messages, as the user reads them."""
    return "\n".join(message.get("text") or "" for message in messages if message.get("text"))


def custom_text(messages: list[dict[str, Any]]) -> str:
    """The strings inside custom payloads (citations, cost chart, letter drafts): shown by the widget, so a fact
    there counts too."""
    return "\n".join(text for message in messages if message.get("custom") for text in _strings(message["custom"]))


# --- reply language --------------------------------------------------------------------------------------------------

_EN_STOP = frozenset(
    """the is are was what how do does you your can should would will which of to for with from get need have has
    it this that there not and or if when who after before they them be by at in any i you're anything else sure
    please would here""".split()
)
_FR_STOP = frozenset(
    """le la les est sont vous votre vos un une des du de pour avec dans sur et ou si quand qui pas ne ce cette ces
    être au aux par en il elle ils peut faut sans très plus leur je j'ai nous votre d'accord puis-je autre""".split()
)
_FENCED = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_URL = re.compile(r"https?://\S+|\b[\w.-]+\.(?:fr|gouv\.fr|eu|com|org)\S*", re.IGNORECASE)


def _vote(text: str) -> str | None:
    """Grammar words of each language: three or more, 1.5 times as many as the other's; or, in a short reply
    ("D'accord, je continue en français."), two and none of the other's."""
    words = text_words(text)
    english = sum(word in _EN_STOP for word in words)
    french = sum(word in _FR_STOP for word in words)
    most, least = max(english, french), min(english, french)
    if (most >= 3 and most >= 1.5 * least) or (most >= 2 and least == 0):
        return "en" if english > french else "fr"
    return None


def reply_language(text: str) -> str | None:
    """en | fr | None (too short or too mixed to tell) for the text of a reply (URLs set aside).

    The project's own ``bot.understanding.language.identify`` when importable (its statistical part needs lingua,
    which only the action environment has: without it, the grammar-word rule still decides most replies), else a
    stop-word vote. A fenced block is set aside too: the letters to copy are in French on purpose, whatever the
    language of the reply around them.
    """
    text = _FENCED.sub(" ", text)
    text = _URL.sub(" ", re.sub(r"[*_`#>\[\]()]", " ", text))
    try:
        from bot.understanding.language import identify

        found = identify(text).language
        if found:
            return found
    except Exception:  # lingua missing (rasa environment) or any failure of the helper: the vote decides
        pass
    return _vote(text)


# --- talking to the server -------------------------------------------------------------------------------------------


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/webhooks/rest/", timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def send(url: str, sender: str, message: str, metadata: dict[str, Any] | None, timeout: float = 120) -> list[dict]:
    body: dict[str, Any] = {"sender": sender, "message": message}
    if metadata:
        body["metadata"] = metadata
    request = urllib.request.Request(
        f"{url.rstrip('/')}/webhooks/rest/webhook",
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8") or "[]")


class Stack:
    """The action server and the rasa server, started with the test harness on free ports."""

    def __init__(self) -> None:
        from tests.support import processes

        self.processes = processes
        self.tmp = Path(tempfile.mkdtemp(prefix="eval-conversations-"))
        self.action_port = processes.free_port()
        self.rasa_port = processes.free_port()
        self.env = processes.offline_env(
            ACTION_PORT=str(self.action_port),
            RASA_PORT=str(self.rasa_port),
            ACTION_HOST="127.0.0.1",
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            TRACKER_DIALECT="sqlite",
            TRACKER_DB=str(self.tmp / "tracker.db"),
        )
        self.running: list[Any] = []
        self.url = f"http://127.0.0.1:{self.rasa_port}"

    def start(self) -> None:
        p = self.processes
        if not p.MODEL.exists():
            raise RuntimeError(f"no trained model at {p.MODEL}: run `make train` first")
        print(f"no server answers: starting one (logs in {self.tmp})", file=sys.stderr)
        self.running.append(
            p.start(
                [str(p.ACTIONS_PYTHON), "-m", "actions"],
                self.tmp / "actions.log",
                self.env,
                f"http://127.0.0.1:{self.action_port}/health",
            )
        )
        self.running.append(
            p.start(
                p.rasa_run(self.rasa_port),
                self.tmp / "rasa.log",
                self.env,
                f"{self.url}/webhooks/rest/",
                timeout=600,
            )
        )

    def stop(self) -> None:
        self.processes.stop(self.running)
        self.running.clear()


# --- running the items -----------------------------------------------------------------------------------------------


@dataclass
class Turn:
    user: str
    reply: str
    custom: str
    buttons: list[str]
    kind: str  # answer | unknown | dead_end
    missing: list[str]
    forbidden: list[str]
    checked: bool  # the turn had expect or forbid
    expected_language: str
    language: str | None
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.missing and not self.forbidden

    @property
    def language_ok(self) -> bool:
        return self.language is None or self.language == self.expected_language


@dataclass
class Result:
    id: str
    lang: str
    tags: list[str]
    turns: list[Turn] = field(default_factory=list)
    error: str | None = None
    planned: int = 1  # the item's number of user turns

    @property
    def facts(self) -> bool:
        return self.error is None and all(turn.passed for turn in self.turns)

    @property
    def first_turn(self) -> bool:
        return self.error is None and bool(self.turns) and self.turns[0].passed

    @property
    def dead_end(self) -> bool:
        return self.error is not None or any(turn.kind == "dead_end" for turn in self.turns)

    @property
    def unknown(self) -> bool:
        return any(not turn.passed and turn.kind == "unknown" for turn in self.turns)

    @property
    def wrong(self) -> bool:
        return any(not turn.passed and turn.kind == "answer" for turn in self.turns)

    @property
    def asked(self) -> bool:
        """A turn that should have been answered got only a form question."""
        return any(not turn.passed and turn.kind == "asked" for turn in self.turns)

    @property
    def clarify(self) -> bool:
        return any(not turn.passed and turn.kind == "clarify" for turn in self.turns)

    @property
    def language_ok(self) -> bool:
        return self.error is None and all(turn.language_ok for turn in self.turns)


class ServerGone(Exception):
    """The server refused the connection: it stopped or restarts (not a reply the user would see)."""


def _refused(error: BaseException) -> bool:
    reason = getattr(error, "reason", error)
    return isinstance(reason, (ConnectionRefusedError, ConnectionResetError))


def run_until_answered(url: str, item: dict[str, Any], kinds: ReplyKinds, wait: float = 120) -> Result:
    """``run_item``; if the server went away (a restart), wait up to ``wait`` seconds for it and run the item again
    from its start, in a new conversation. Raises ServerGone when it does not come back."""
    try:
        return run_item(url, item, kinds)
    except ServerGone:
        deadline = time.monotonic() + wait
        print(f"\nthe server at {url} stopped answering: waiting up to {wait:.0f} s", file=sys.stderr)
        while time.monotonic() < deadline:
            time.sleep(2)
            if answers(url):
                return run_item(url, item, kinds)
        raise


def run_item(url: str, item: dict[str, Any], kinds: ReplyKinds) -> Result:
    result = Result(str(item["id"]), item["lang"], list(item.get("tags") or []), planned=len(item["turns"]))
    sender = f"eval-{item['id']}-{uuid.uuid4().hex[:8]}"
    hint = item.get("metadata_language")
    expected = item["lang"]
    for spec in item["turns"]:
        expected = spec.get("lang", expected)
        started = time.perf_counter()
        try:
            messages = send(url, sender, spec["user"], {"language": hint} if hint else None)
        except (urllib.error.URLError, OSError, ValueError) as error:
            if _refused(error):
                raise ServerGone(str(error)) from error
            # A server that answers with an error, or not within the timeout: the user got no reply.
            result.error = f"turn {len(result.turns) + 1}: {error}"
            return result
        seconds = time.perf_counter() - started
        plain = reply_text(messages)
        text = f"{plain}\n{custom_text(messages)}"
        expect = compile_all(spec.get("expect"))
        forbid = compile_all(spec.get("forbid"))
        result.turns.append(
            Turn(
                user=spec["user"],
                reply=plain,
                custom=custom_text(messages),
                buttons=[button.get("title", "") for message in messages for button in message.get("buttons") or []],
                kind=kinds.kind(messages),
                missing=[pattern.pattern for pattern in expect if not pattern.search(text)],
                forbidden=[pattern.pattern for pattern in forbid if pattern.search(text)],
                checked=bool(expect or forbid),
                expected_language=expected,
                language=reply_language(plain) if plain.strip() else None,
                seconds=seconds,
            )
        )
    return result


def summarise(results: list[Result]) -> dict[str, Any]:
    count = len(results)
    latencies = [turn.seconds for result in results for turn in result.turns]

    def share(predicate: Callable[[Result], object]) -> float:
        return sum(1 for result in results if predicate(result)) / count if count else 0.0

    return {
        "items": count,
        "turns": len(latencies),
        "facts": share(lambda r: r.facts),
        "first_turn": share(lambda r: r.first_turn),
        "wrong": share(lambda r: r.wrong),
        "unknown": share(lambda r: r.unknown),
        "asked": share(lambda r: r.asked),
        "clarify": share(lambda r: r.clarify),
        "dead_ends": share(lambda r: r.dead_end),
        "language": share(lambda r: r.language_ok),
        "p50_seconds": statistics.median(latencies) if latencies else None,
        "single_facts": _share([r for r in results if r.planned == 1], lambda r: r.facts),
        "conversation_facts": _share([r for r in results if r.planned > 1], lambda r: r.facts),
    }


def _share(results: list[Result], predicate: Callable[[Result], object]) -> float | None:
    return sum(1 for result in results if predicate(result)) / len(results) if results else None


def misses(summary: dict[str, Any]) -> list[str]:
    found = []
    if summary["facts"] < TARGETS["facts"]:
        found.append(f"facts {summary['facts']:.1%} < {TARGETS['facts']:.0%}")
    if summary["dead_ends"] > TARGETS["dead_ends"]:
        found.append(f"dead ends {summary['dead_ends']:.1%} > {TARGETS['dead_ends']:.0%}")
    if summary["wrong"] > TARGETS["wrong"]:
        found.append(f"wrong {summary['wrong']:.1%} > {TARGETS['wrong']:.0%}")
    if summary["language"] < TARGETS["language"]:
        found.append(f"language {summary['language']:.1%} < {TARGETS['language']:.0%}")
    return found


def by_tag(results: list[Result]) -> dict[str, tuple[int, int]]:
    tags: dict[str, list[int]] = {}
    for result in results:
        for tag in result.tags:
            tags.setdefault(tag, [0, 0])
            tags[tag][0] += result.facts
            tags[tag][1] += 1
    return {tag: (passed, total) for tag, (passed, total) in sorted(tags.items())}


def print_failure(result: Result) -> None:
    status = [
        name
        for name, flag in (
            ("wrong", result.wrong),
            ("asked instead", result.asked),
            ("did you mean", result.clarify),
            ("don't know", result.unknown),
            ("dead end", result.dead_end),
            ("language", not result.language_ok),
        )
        if flag
    ]
    print(f"\n--- {result.id} [{result.lang}] {', '.join(status) or 'failed'}  tags: {', '.join(result.tags)}")
    if result.error:
        print(f"    error: {result.error}")
    for number, turn in enumerate(result.turns, 1):
        print(f"  {number}> {turn.user}")
        reply = turn.reply.strip().replace("\n", "\n     ")
        print(f"  {number}< [{turn.kind}, {turn.language or '?'}, {turn.seconds:.2f} s] {reply[:900]}")
        if turn.buttons:
            print(f"     buttons: {' | '.join(turn.buttons)}")
        if turn.custom:
            print(f"     custom payload: {' '.join(turn.custom.split())[:200]}")
        if turn.missing:
            print(f"     missing: {turn.missing}")
        if turn.forbidden:
            print(f"     forbidden present: {turn.forbidden}")
        if not turn.language_ok:
            print(f"     language: expected {turn.expected_language}, got {turn.language}")


def as_json(result: Result) -> dict[str, Any]:
    return {
        "id": result.id,
        "lang": result.lang,
        "tags": result.tags,
        "error": result.error,
        "facts": result.facts,
        "first_turn": result.first_turn,
        "wrong": result.wrong,
        "unknown": result.unknown,
        "asked": result.asked,
        "clarify": result.clarify,
        "dead_end": result.dead_end,
        "language_ok": result.language_ok,
        "turns": [turn.__dict__ for turn in result.turns],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default=f"http://127.0.0.1:{get_settings().rasa_port}",
        help="a running rasa server (default http://127.0.0.1:$RASA_PORT)",
    )
    parser.add_argument("--lang", choices=LANGUAGES, action="append", help="only this language (repeatable)")
    parser.add_argument("--only", action="append", metavar="ID", help="only this item (repeatable)")
    parser.add_argument("--tag", action="append", help="only items with this tag (repeatable)")
    parser.add_argument("--failures", action="store_true", help="print every failing item with its replies")
    parser.add_argument("--json", metavar="FILE", help="write the figures and every item's outcome to FILE")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a language misses the issue's targets")
    parser.add_argument("--no-start", action="store_true", help="fail instead of starting servers")
    parser.add_argument(
        "--dir",
        type=Path,
        default=CONVERSATIONS,
        help="the set's directory, with en.yml and fr.yml (default: the held-out set; conversations-fresh: the probe "
        "written after the 3 Dec fixes, never used to tune them)",
    )
    args = parser.parse_args(argv)

    languages = args.lang or list(LANGUAGES)
    items = {
        lang: [
            item
            for item in load_items(lang, args.dir)
            if (not args.only or str(item["id"]) in args.only)
            and (not args.tag or set(args.tag) & set(item.get("tags") or []))
        ]
        for lang in languages
    }
    if not any(items.values()):
        print("no item matches", file=sys.stderr)
        return 2

    stack = None
    url = args.url
    if not answers(url):
        if args.no_start:
            print(f"no server answers at {url}", file=sys.stderr)
            return 2
        stack = Stack()
        try:
            stack.start()
        except Exception as error:  # the harness says why (the end of the server's log)
            print(f"could not start the servers: {error}", file=sys.stderr)
            stack.stop()
            return 2
        url = stack.url

    kinds = ReplyKinds()
    report: dict[str, Any] = {"url": url, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "languages": {}}
    status = 0
    try:
        all_results: dict[str, list[Result]] = {}
        for lang in languages:
            results = []
            for item in items[lang]:
                results.append(run_until_answered(url, item, kinds))
                print(".", end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
            all_results[lang] = results
    except ServerGone as error:
        print(f"the server at {url} stopped answering and did not come back ({error}): no figures", file=sys.stderr)
        return 2
    finally:
        if stack is not None:
            stack.stop()

    print(f"End-to-end conversations through REST ({url}), {report['date']}")
    print("lang  items  turns  facts  1st turn  wrong  asked  did you mean  don't know  dead ends  language  p50 turn")
    for lang, results in all_results.items():
        if not results:
            continue
        summary = summarise(results)
        p50 = f"{summary['p50_seconds'] * 1000:.0f} ms" if summary["p50_seconds"] is not None else "-"
        print(
            f"{lang:4}  {summary['items']:5}  {summary['turns']:5}  {summary['facts']:5.1%}"
            f"  {summary['first_turn']:8.1%}  {summary['wrong']:5.1%}  {summary['asked']:5.1%}"
            f"  {summary['clarify']:12.1%}  {summary['unknown']:10.1%}  {summary['dead_ends']:9.1%}"
            f"  {summary['language']:8.1%}  {p50:>8}"
        )
        split = [
            f"{name} {summary[key]:.1%}"
            for name, key in (("single messages", "single_facts"), ("conversations", "conversation_facts"))
            if summary[key] is not None
        ]
        print(f"      facts: {', '.join(split)}")
        missed = misses(summary)
        if missed:
            print(f"      misses the targets: {'; '.join(missed)}")
            if args.strict:
                status = 1
        report["languages"][lang] = {
            "summary": summary,
            "misses": missed,
            "tags": {tag: {"passed": p, "items": n} for tag, (p, n) in by_tag(results).items()},
            "items": [as_json(result) for result in results],
        }
    print("\nfacts by tag (passed/items):")
    for lang, results in all_results.items():
        if not results:
            continue
        tags = by_tag(results)
        print(f"  {lang}: " + ", ".join(f"{tag} {passed}/{total}" for tag, (passed, total) in tags.items()))
    if args.failures:
        for results in all_results.values():
            for result in results:
                if not (result.facts and not result.dead_end and result.language_ok):
                    print_failure(result)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
