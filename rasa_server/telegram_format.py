"""Turning bot replies into Telegram messages (no Rasa import, no network: plain functions, tested on their own).

Replies are written once, in the markdown-ish style every channel shares (``**bold**``, ``[label](url)``, bullet
lines); Telegram gets them as HTML (``parse_mode=HTML``), whose escaping is three characters, instead of
MarkdownV2's eighteen. Telegram refuses a text over 4,096 characters, so long replies are cut at paragraph, line,
sentence or word boundaries, closing and reopening formatting tags so every part stays valid on its own.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import cast

#: Telegram's limit on a message text, counted after entity parsing (i.e. on the visible text).
TEXT_LIMIT = 4096
#: Telegram's limit on the data carried by an inline keyboard button, in bytes.
CALLBACK_DATA_LIMIT = 64
#: Telegram's limit on the notification text of a callback query answer.
CALLBACK_ANSWER_LIMIT = 200

_SAFE_URL = re.compile(r"^(https?://|mailto:|tel:|tg://)[^\s<>\"]+$", re.IGNORECASE)
_BULLET = re.compile(r"^(\s*)[-*+•]\s+(.*)$")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_FENCE = re.compile(r"^\s*```")
_INLINE = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>[^()\s]+)\)"
    r"|\*\*(?P<bold>[^\n]+?)\*\*"
    # Single * or _ marks italics only around a word group: "2 * 3", "* item" and snake_case stay as they are.
    r"|(?<![\w*])\*(?P<italic>[^*\s](?:[^*\n]*?[^*\s])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic2>[^_\s](?:[^_\n]*?[^_\s])?)_(?![\w_])"
)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _inline(text: str) -> str:
    out = []
    pos = 0
    for match in _INLINE.finditer(text):
        out.append(_escape(text[pos : match.start()]))
        if match["code"] is not None:
            out.append(f"<code>{_escape(match['code'])}</code>")
        elif match["label"] is not None:
            url = match["url"]
            if _SAFE_URL.match(url):
                out.append(f'<a href="{html.escape(url, quote=True)}">{_inline(match["label"])}</a>')
            else:  # a relative or javascript: link is not a link on Telegram: keep the label only
                out.append(_inline(match["label"]))
        elif match["bold"] is not None:
            out.append(f"<b>{_inline(match['bold'])}</b>")
        else:
            out.append(f"<i>{_inline(match['italic'] or match['italic2'])}</i>")
        pos = match.end()
    out.append(_escape(text[pos:]))
    return "".join(out)


def to_html(text: str) -> str:
    """Telegram HTML for a reply written in the shared markdown-ish style."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    fence: list[str] | None = None
    for line in lines:
        if _FENCE.match(line):
            if fence is None:
                fence = []
            else:
                out.append(preformatted("\n".join(fence)))
                fence = None
            continue
        if fence is not None:
            fence.append(line)
        elif bullet := _BULLET.match(line):
            out.append(f"{bullet[1]}• {_inline(bullet[2])}")
        elif heading := _HEADING.match(line):
            out.append(f"<b>{_inline(heading[1])}</b>")
        else:
            out.append(_inline(line))
    if fence is not None:  # an unclosed fence still shows its content
        out.append(preformatted("\n".join(fence)))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def preformatted(text: str) -> str:
    """A block shown in a fixed-width font, as typed (letters the user will copy)."""
    return f"<pre>{_escape(text.strip(chr(10)))}</pre>"


def citation(payload: dict) -> str | None:
    """A knowledge answer's source as one line, "📚 <linked title>" (no words to translate), or None."""
    title, source = payload.get("title"), payload.get("source")
    if isinstance(title, list):
        title = " › ".join(str(part) for part in title)
    if not isinstance(title, str) or not title.strip():
        return None
    if isinstance(source, str) and _SAFE_URL.match(source) and source.lower().startswith(("https://", "http://")):
        return f'📚 <a href="{html.escape(source, quote=True)}">{_escape(title.strip())}</a>'
    return f"📚 <i>{_escape(title.strip())}</i>"


def to_plain(markup: str) -> str:
    """The visible text of Telegram HTML (the fallback when Telegram refuses the formatting)."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


# --- Splitting under Telegram's limit -------------------------------------------------------------------------

_TOKEN = re.compile(r"<(/?)([a-zA-Z-]+)[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);|[^<&]|[<&]")


@dataclass(frozen=True)
class _Token:
    raw: str
    kind: str  # "open", "close" or "text"
    name: str = ""
    visible: str = ""


def _tokenize(markup: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(markup):
        raw = match.group(0)
        if match.group(2):
            tokens.append(_Token(raw, "close" if match.group(1) else "open", match.group(2).lower()))
        else:
            tokens.append(_Token(raw, "text", visible=html.unescape(raw)))
    return tokens


def _units(text: str) -> int:
    # Telegram counts UTF-16 code units (entity offsets are in them): an emoji counts two.
    return len(text.encode("utf-16-le")) // 2


# Preferred places to cut, best first; a cut is taken only if it keeps at least half a message before it.
_CUT_PREFERENCE = ("paragraph", "line", "sentence", "space")


def split_html(markup: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Telegram HTML cut into messages of at most ``limit`` visible characters, each with balanced tags."""
    if limit < 2:
        raise ValueError("limit must allow at least one character")
    tokens = _tokenize(markup)
    parts: list[str] = []
    start, start_stack = 0, cast(tuple[_Token, ...], ())
    while start < len(tokens):
        cut_at, cut_stack = _next_cut(tokens, start, start_stack, limit)
        end = cut_at
        while end > start and tokens[end - 1].kind == "text" and tokens[end - 1].visible.isspace():
            end -= 1  # the line breaks a part was cut at are not sent
        part = _render(start_stack, tokens[start:end], cut_stack)
        if to_plain(part).strip():
            parts.append(part)
        start, start_stack = cut_at, cut_stack
        while start < len(tokens) and tokens[start].kind == "text" and tokens[start].visible.isspace():
            start += 1
    return parts


_Stack = tuple[_Token, ...]


def _closed(stack: _Stack, name: str) -> _Stack:
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth].name == name:
            return stack[:depth] + stack[depth + 1 :]
    return stack


def _next_cut(tokens: list[_Token], start: int, stack: _Stack, limit: int) -> tuple[int, _Stack]:
    """Where the part beginning at ``start`` ends, and which tags are open there."""
    size = 0
    previous = ""
    cuts: dict[str, tuple[int, _Stack, int]] = {}
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.kind == "open":
            stack = stack + (token,)
            continue
        if token.kind == "close":
            stack = _closed(stack, token.name)
            continue
        width = _units(token.visible)
        if size + width > limit:
            return _extend_over_closing(tokens, *_best_cut(cuts, index, stack, limit))
        size += width
        if token.visible == "\n":
            cuts["paragraph" if previous == "\n" else "line"] = (index + 1, stack, size)
        elif token.visible == " ":
            cuts["sentence" if previous and previous in ".!?;:" else "space"] = (index + 1, stack, size)
        previous = token.visible
    return len(tokens), stack


def _best_cut(cuts: dict[str, tuple[int, _Stack, int]], index: int, stack: _Stack, limit: int) -> tuple[int, _Stack]:
    for kind in _CUT_PREFERENCE:
        if kind in cuts and cuts[kind][2] >= limit // 2:
            return cuts[kind][0], cuts[kind][1]
    if cuts:
        latest = max(cuts.values(), key=lambda cut: cut[0])
        return latest[0], latest[1]
    return index, stack  # one unbroken word longer than a message: cut inside it


def _extend_over_closing(tokens: list[_Token], cut_at: int, stack: _Stack) -> tuple[int, _Stack]:
    # A closing tag right after the cut belongs to the part before it (no empty "<b></b>" opening the next part).
    while cut_at < len(tokens) and tokens[cut_at].kind == "close":
        stack = _closed(stack, tokens[cut_at].name)
        cut_at += 1
    return cut_at, stack


def _render(opened: _Stack, tokens: list[_Token], still_open: _Stack) -> str:
    return (
        "".join(token.raw for token in opened)
        + "".join(token.raw for token in tokens)
        + "".join(f"</{token.name}>" for token in reversed(still_open))
    )


# --- Buttons ---------------------------------------------------------------------------------------------------


class ButtonPayloads:
    """Callback data for button payloads: Telegram carries at most 64 bytes, longer payloads travel as a key.

    Keys live in memory (bounded); after a restart an unknown key falls back to the button's title.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        self._by_key: OrderedDict[str, str] = OrderedDict()

    def callback_data(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT and not payload.startswith("#"):
            return payload
        key = "#" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:40]
        self._by_key[key] = payload
        self._by_key.move_to_end(key)
        while len(self._by_key) > self._capacity:
            self._by_key.popitem(last=False)
        return key

    def payload(self, data: str) -> str | None:
        """The payload a button's callback data stands for (None for a key this process never issued)."""
        if not data.startswith("#"):
            return data
        return self._by_key.get(data)


def keyboard_rows(buttons: list[dict], payloads: ButtonPayloads, vertical: bool | None = None) -> list[list[dict]]:
    """Inline keyboard rows (Bot API JSON) for Rasa buttons: side by side when short and few, else one per row."""
    keys = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        payload = str(button.get("payload") or button.get("url") or title).strip()
        if not title or not payload:
            continue
        if _SAFE_URL.match(payload) and not payload.lower().startswith(("mailto:", "tel:")):
            keys.append({"text": title, "url": payload})
        else:
            keys.append({"text": title, "callback_data": payloads.callback_data(payload)})
    if vertical is None:
        vertical = len(keys) > 3 or any(len(key["text"]) > 20 for key in keys)
    return [[key] for key in keys] if vertical else ([keys] if keys else [])


# --- The cost answer ----------------------------------------------------------------------------------------------

#: Callback data of a "How this is calculated" button starts with this (never a Rasa payload, never a "#" key).
DETAILS_PREFIX = "~"
DETAILS_BUTTON = {"en": "How this is calculated", "fr": "Détail du calcul"}
DETAILS_GONE = {
    "en": "These details are no longer available: ask your question again to see them.",
    "fr": "Ce détail n'est plus disponible : posez à nouveau votre question pour le voir.",
}


class CostDetails:
    """The details of the cost answers sent, behind their "How this is calculated" button (bounded, in memory).

    The details hold amounts and rules, nothing about the user; after a restart a key is unknown and the user is
    told to ask again (``DETAILS_GONE``).
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._capacity = capacity
        self._by_key: OrderedDict[str, tuple[str, str]] = OrderedDict()

    def key_for(self, details: str, lang: str) -> str:
        key = DETAILS_PREFIX + hashlib.sha256(f"{lang}\n{details}".encode()).hexdigest()[:40]
        self._by_key[key] = (details, lang)
        self._by_key.move_to_end(key)
        while len(self._by_key) > self._capacity:
            self._by_key.popitem(last=False)
        return key

    def get(self, key: str) -> tuple[str, str] | None:
        """(details, language) for a key this process issued, else None."""
        return self._by_key.get(key)


def _language(payload: dict) -> str:
    lang = payload.get("lang")
    return lang if lang in DETAILS_BUTTON else "en"


def cost_breakdown(payload: dict) -> str | None:
    """The compact breakdown of a ``cost_breakdown`` payload: one line per payer (label: amount), or None."""
    lines = []
    for part in payload.get("parts") or []:
        if not isinstance(part, dict) or not isinstance(part.get("label"), str):
            continue
        amount = part.get("formatted")
        if not isinstance(amount, str):
            value = part.get("amount")
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            amount = f"{value:.2f} €"
        lines.append(
            f"{_escape(part['label'])} : <b>{_escape(amount)}</b>"
            if _language(payload) == "fr"
            else f"{_escape(part['label'])}: <b>{_escape(amount)}</b>"
        )
    return "\n".join(lines) or None


def details_keyboard(payload: dict, details: CostDetails) -> list[list[dict]]:
    """The inline keyboard of the breakdown: "How this is calculated" when the payload has details, else none."""
    text = payload.get("details")
    if not isinstance(text, str) or not text.strip():
        return []
    lang = _language(payload)
    return [[{"text": DETAILS_BUTTON[lang], "callback_data": details.key_for(text, lang)}]]
