"""Curated knowledge articles: parsing and validation of ``knowledge/{en,fr}/*.md``.

The format is described in ``knowledge/README.md``. This module only reads files; retrieval builds its passages
from the ``Article`` and ``Section`` objects returned here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LANGUAGES = ("en", "fr")
REQUIRED_FIELDS = ("id", "lang", "title", "summary", "tags", "sources", "last_reviewed")

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_QUESTIONS = re.compile(r"^Questions\s?:\s*$")
_SOURCE = re.compile(r"^Source\s?:\s*(\S.*?)\s*$")
_SOURCE_SPLIT = re.compile(r"[\s,;]+")
_REVIEWED = re.compile(r"^(?:Reviewed|Vérifié le)\s?:\s*(\S.*?)\s*$")
_BULLET = re.compile(r"^\s*[-*]\s+(.+?)\s*$")
_LINK = re.compile(r"\]\(([^)\s]+)\)")


class KnowledgeFormatError(ValueError):
    """A knowledge file does not follow the format of knowledge/README.md."""


@dataclass(frozen=True)
class Section:
    """One retrieval passage: a ``##`` section (or the introduction) of an article."""

    heading: str
    text: str
    questions: tuple[str, ...] = ()
    source: str | None = None  # the first of ``sources``
    sources: tuple[str, ...] = ()  # the pages named on the section's ``Source:`` line
    last_reviewed: dt.date | None = None  # the section's ``Reviewed:`` line, if it has one

    def reviewed(self, article: Article) -> dt.date:
        """The day this section was checked against its source: its own line, else the article's date."""
        return self.last_reviewed or article.last_reviewed


@dataclass(frozen=True)
class Article:
    id: str
    lang: str
    title: str
    summary: str
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    last_reviewed: dt.date
    sections: tuple[Section, ...]
    path: Path
    links: tuple[str, ...] = field(default=())

    @property
    def source(self) -> str:
        return self.sources[0]


def parse_article(path: Path) -> Article:
    """Parse one markdown file; raise KnowledgeFormatError naming the file and the problem."""
    raw = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(raw)
    if not match:
        raise KnowledgeFormatError(f"{path}: no front matter (a '---' block at the top)")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeFormatError(f"{path}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise KnowledgeFormatError(f"{path}: front matter must be a mapping")
    missing = [name for name in REQUIRED_FIELDS if not meta.get(name)]
    if missing:
        raise KnowledgeFormatError(f"{path}: missing front-matter field(s): {', '.join(missing)}")
    reviewed = meta["last_reviewed"]
    if isinstance(reviewed, str):
        try:
            reviewed = dt.date.fromisoformat(reviewed)
        except ValueError as exc:
            raise KnowledgeFormatError(f"{path}: last_reviewed is not a YYYY-MM-DD date: {reviewed!r}") from exc
    if not isinstance(reviewed, dt.date):
        raise KnowledgeFormatError(f"{path}: last_reviewed is not a date: {reviewed!r}")
    tags, sources = meta["tags"], meta["sources"]
    if isinstance(tags, str) or isinstance(sources, str):
        raise KnowledgeFormatError(f"{path}: tags and sources must be lists")
    body = raw[match.end() :]
    sections = _split_sections(str(meta["title"]), body, path)
    if not sections:
        raise KnowledgeFormatError(f"{path}: no text after the front matter")
    return Article(
        id=str(meta["id"]),
        lang=str(meta["lang"]),
        title=str(meta["title"]),
        summary=str(meta["summary"]).strip(),
        tags=tuple(str(t) for t in tags),
        sources=tuple(str(s) for s in sources),
        last_reviewed=reviewed,
        sections=tuple(sections),
        path=path,
        links=tuple(_LINK.findall(body)),
    )


def _split_sections(title: str, body: str, path: Path) -> list[Section]:
    sections: list[Section] = []
    heading = title
    lines: list[str] = []

    def flush() -> None:
        text_lines: list[str] = []
        questions: list[str] = []
        sources: tuple[str, ...] = ()
        reviewed: dt.date | None = None
        in_questions = False
        for line in lines:
            if _QUESTIONS.match(line.strip()):
                in_questions = True
                continue
            source_match = _SOURCE.match(line.strip())
            if source_match:
                sources = tuple(url for url in _SOURCE_SPLIT.split(source_match.group(1)) if url)
                if not all(url.startswith(("https://", "http://")) for url in sources):
                    raise KnowledgeFormatError(f"{path} § {heading!r}: a Source line lists URLs only: {line.strip()}")
                continue
            reviewed_match = _REVIEWED.match(line.strip())
            if reviewed_match:
                try:
                    reviewed = dt.date.fromisoformat(reviewed_match.group(1))
                except ValueError as exc:
                    raise KnowledgeFormatError(
                        f"{path} § {heading!r}: the review date is not YYYY-MM-DD: {reviewed_match.group(1)!r}"
                    ) from exc
                continue
            bullet = _BULLET.match(line)
            if in_questions and bullet:
                questions.append(bullet.group(1))
                continue
            if in_questions and line.strip():
                in_questions = False
            text_lines.append(line)
        text = "\n".join(text_lines).strip()
        if text:
            sections.append(
                Section(
                    heading=heading,
                    text=text,
                    questions=tuple(questions),
                    source=sources[0] if sources else None,
                    sources=sources,
                    last_reviewed=reviewed,
                )
            )

    for line in body.splitlines():
        heading_match = _HEADING.match(line)
        if heading_match and len(heading_match.group(1)) == 1:
            continue  # an H1 repeats the title
        if heading_match:
            flush()
            heading, lines = heading_match.group(2), []
        else:
            lines.append(line)
    flush()
    return sections


def load_articles(knowledge_dir: Path, lang: str | None = None) -> list[Article]:
    """All articles under ``knowledge_dir/{en,fr}``, sorted by language then id."""
    articles = []
    for language in LANGUAGES if lang is None else (lang,):
        for path in sorted((knowledge_dir / language).glob("*.md")):
            articles.append(parse_article(path))
    return articles


def validate(knowledge_dir: Path) -> list[str]:
    """Every problem found in the knowledge base, as readable sentences (empty when all is well)."""
    problems: list[str] = []
    by_lang: dict[str, dict[str, Article]] = {language: {} for language in LANGUAGES}
    for language in LANGUAGES:
        for path in sorted((knowledge_dir / language).glob("*.md")):
            try:
                article = parse_article(path)
            except KnowledgeFormatError as exc:
                problems.append(str(exc))
                continue
            if article.id != path.stem:
                problems.append(f"{path}: id {article.id!r} differs from the file name")
            if article.lang != language:
                problems.append(f"{path}: lang {article.lang!r} but the file is in {language}/")
            bad_sources = [s for s in article.sources if not s.startswith("https://")]
            bad_sources += [u for s in article.sections for u in s.sources if not u.startswith("https://")]
            if bad_sources:
                problems.append(f"{path}: sources must be https URLs: {bad_sources}")
            for section in article.sections:
                if section.last_reviewed and section.last_reviewed > article.last_reviewed:
                    problems.append(
                        f"{path} § {section.heading!r}: reviewed {section.last_reviewed}, after the article's"
                        f" last_reviewed {article.last_reviewed} (the front matter keeps the most recent date)"
                    )
            for link in article.links:
                if link.startswith(("http://", "https://", "mailto:", "tel:")):
                    continue
                target = (path.parent / link.split("#", 1)[0]).resolve()
                if not target.is_file():
                    problems.append(f"{path}: broken internal link {link!r}")
            by_lang[language][article.id] = article
    for language, other in (("en", "fr"), ("fr", "en")):
        for missing in sorted(set(by_lang[language]) - set(by_lang[other])):
            problems.append(f"{knowledge_dir / language / missing}.md has no {other} twin")
    return problems
