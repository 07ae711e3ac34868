"""Knowledge articles → retrieval passages (one per ``##`` section, the introduction titled with the article title).

Parsing lives in ``bot.knowledge.articles``; this module only turns ``Article``/``Section`` objects into flat,
JSON-ready passages and computes the content hash that tells whether an index is stale.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.knowledge.articles import LANGUAGES, Article, KnowledgeFormatError, parse_article
from bot.text import fold_ascii

log = logging.getLogger(__name__)

#: Bump when the way passages (or their indexed text) are built changes: old indexes are then rebuilt.
PASSAGE_FORMAT = 2

TITLE_SEPARATOR = " › "

_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_MARKUP = re.compile(r"[*_`>#|]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Passage:
    id: str  # "<doc id>#<heading slug>"
    doc_id: str
    lang: str
    title: str  # the article title
    heading: str  # the section heading (the article title for the introduction)
    text: str  # the section's markdown, as written
    source: str
    last_reviewed: str  # ISO date
    questions: tuple[str, ...]
    tags: tuple[str, ...] = ()

    @property
    def title_path(self) -> str:
        if self.heading == self.title:
            return self.title
        return f"{self.title}{TITLE_SEPARATOR}{self.heading}"

    @property
    def search_text(self) -> str:
        """What the dense encoder reads: where the passage sits, then its plain text."""
        return f"{self.title_path}. {plain_text(self.text)}"

    @property
    def lexical_text(self) -> str:
        """What BM25 reads: title path, plain text, tags and the passage's own example questions."""
        return " ".join([self.title_path, plain_text(self.text), " ".join(self.tags), " ".join(self.questions)])

    def to_json(self) -> dict:
        data = asdict(self)
        data["questions"] = list(self.questions)
        data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Passage:
        return cls(**{**data, "questions": tuple(data["questions"]), "tags": tuple(data.get("tags", ()))})


def plain_text(markdown: str) -> str:
    """Markdown without link targets and emphasis marks, on one line."""
    text = _MD_LINK.sub(r"\1", markdown)
    text = _MD_MARKUP.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


_RELATIVE_LINK = re.compile(r"\[[^\]]+\]\(\s*([a-z0-9][a-z0-9-]*)\.md(?:#[^)\s]*)?\s*\)")


def linked_documents(markdown: str) -> tuple[str, ...]:
    """Ids of the articles a passage links to ("[ameli account](ameli-account.md)" → "ameli-account"), in order,
    each once. Such links lead nowhere in a chat: the answer offers those articles as buttons instead."""
    return tuple(dict.fromkeys(match.group(1) for match in _RELATIVE_LINK.finditer(markdown)))


def slugify(text: str) -> str:
    """ASCII slug: "Ordering your card" → "ordering-your-card", "Être remboursé" → "etre-rembourse"."""
    # lower() again: a few characters fold to upper-case ASCII ("ᴬ" -> "A"); the slugs in built indexes stay the same
    slug = re.sub(r"[^a-z0-9]+", "-", fold_ascii(text).lower()).strip("-")
    return slug or "section"


def article_passages(article: Article) -> list[Passage]:
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    for section in article.sections:
        slug = slugify(section.heading)
        seen[slug] = seen.get(slug, 0) + 1
        if seen[slug] > 1:  # two sections with the same heading keep distinct, stable ids
            slug = f"{slug}-{seen[slug]}"
        passages.append(
            Passage(
                id=f"{article.id}#{slug}",
                doc_id=article.id,
                lang=article.lang,
                title=article.title,
                heading=section.heading,
                text=section.text,
                source=section.source or article.source,
                last_reviewed=section.reviewed(article).isoformat(),
                questions=tuple(section.questions),
                tags=tuple(article.tags),
            )
        )
    return passages


def load_passages(knowledge_dir: Path, skipped: list[str] | None = None) -> list[Passage]:
    """Every passage of ``knowledge_dir/{en,fr}/*.md``, in a stable order (language, file name, section order).

    A malformed article is left out with a warning (and named in ``skipped``) rather than taking the whole
    knowledge base down: ``make test`` validates the files, and the content hash rebuilds the index once it is fixed.
    """
    passages: list[Passage] = []
    for path in knowledge_files(knowledge_dir):
        try:
            article = parse_article(path)
        except KnowledgeFormatError as exc:
            log.warning("knowledge file left out of the index: %s", exc)
            if skipped is not None:
                skipped.append(str(exc))
            continue
        passages.extend(article_passages(article))
    return passages


def knowledge_files(knowledge_dir: Path) -> list[Path]:
    return [path for language in LANGUAGES for path in sorted((knowledge_dir / language).glob("*.md"))]


def content_hash(knowledge_dir: Path) -> str:
    """sha256 over the relative path and bytes of every knowledge file, and the passage format version."""
    digest = hashlib.sha256(f"passage-format:{PASSAGE_FORMAT}\n".encode())
    for path in knowledge_files(knowledge_dir):
        digest.update(path.relative_to(knowledge_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
