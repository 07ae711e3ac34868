"""French letters to the CPAM, taken from the knowledge base (knowledge/{en,fr}/letter-*.md, the ```text block)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.articles import parse_article

_TEXT_BLOCK = re.compile(r"```text\n(.*?)\n```", re.DOTALL)


@dataclass(frozen=True)
class Letter:
    id: str
    title: str  # in the user's language
    text: str  # the French letter, with [placeholders]
    source: str

    def payload(self) -> dict[str, str]:
        """The custom payload the web widget and Telegram render as a letter to copy (the letter is French)."""
        return {"type": "letter", "lang": "fr", "title": self.title, "text": self.text}


def load_letter(letter_id: str, lang: str, knowledge_dir: Path) -> Letter:
    """The letter ``letter_id`` with its title in ``lang``; the text is always the French one (it goes to the CPAM).

    Raises FileNotFoundError if the article does not exist and ValueError if it holds no ```text block.
    """
    if not re.fullmatch(r"letter-[a-z0-9-]+", letter_id):
        raise ValueError(f"not a letter id: {letter_id!r}")
    french_path = knowledge_dir / "fr" / f"{letter_id}.md"
    match = _TEXT_BLOCK.search(french_path.read_text(encoding="utf-8"))
    if match is None:
        raise ValueError(f"{french_path}: no ```text block with the letter")
    article = parse_article(knowledge_dir / lang / f"{letter_id}.md")
    return Letter(id=letter_id, title=article.title, text=match.group(1).strip(), source=article.source)
