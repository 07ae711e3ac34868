"""The curated knowledge base: format, twins, coverage, figures we may quote, and no copied sentences.

The assistant answers with one section of one article, so every rule here protects what a user reads: a French
speaker must find the same topic as an English speaker, a section must be a usable passage with the questions that
lead to it, and nothing may be copied from the seed guides or invented (phone numbers, form numbers, URLs).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from bot.calculator import load_rules
from bot.knowledge.articles import (
    LANGUAGES,
    REQUIRED_FIELDS,
    Article,
    KnowledgeFormatError,
    load_articles,
    parse_article,
    validate,
)

REPO = Path(__file__).resolve().parents[2]
KNOWLEDGE = REPO / "knowledge"
SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"

RUN_LENGTH = 8  # words in a row shared with a seed guide that count as copying
# Official titles and on-screen messages that an article may quote as such (in quotes, naming where they come from):
# their words are not counted as copied. Add the exact words of the title or message only, nothing around them.
QUOTED_AS_SUCH = (
    "Demande d'ouverture des droits à l'assurance maladie",  # the title of form S1106 (Cerfa 15763)
    "ne vous permet pas de créer immédiatement votre compte",  # the ameli message when an account cannot be created
)
MIN_TOPICS = 30
SECTION_WORDS = (40, 150)

# Figures that may only come from ../shared/reference/ (see knowledge/README.md, "Authoring rules").
ALLOWED_PHONES = {"3646", "0974753646", "33974753646", "3919", "116006"}  # 3919 and 116 006: service-public F12544
ALLOWED_CERFA = {"15763", "15993"}
ALLOWED_FORMS = {"S1106", "S3705", "S1"}
# Public bodies whose pages may be cited: the Assurance Maladie, the State's portals and legal texts, CLEISS (the
# public body for social-security coordination), URSSAF, the student services. Never a broker, insurer or mirror.
OFFICIAL_HOSTS = (
    "ameli.fr",
    "service-public.fr",
    "service-public.gouv.fr",
    "legifrance.gouv.fr",
    "cleiss.fr",
    "urssaf.fr",
    "securite-sociale.fr",
    "etudiant.gouv.fr",
    "sante.gouv.fr",
    "solidarites-sante.gouv.fr",
    "info.gouv.fr",
    "france-visas.gouv.fr",
    "sante.fr",
    "arretonslesviolences.gouv.fr",
    "complementaire-sante-solidaire.gouv.fr",
    "inc-conso.fr",  # Institut national de la consommation, a public body
    "data.gouv.fr",  # the State's open-data portal (the Cnam's description of the ameli health directory)
    "crous-rennes.fr",  # a Crous, the public body that collects the CVEC
)
# Path segments of a site's home or section hub: a page made only of these supports no fact.
LANDING_SEGMENTS = {"", "assure", "fr", "en", "particuliers", "professionnels", "vosdroits", "accueil", "home"}
LANDING_SEGMENTS |= {"index.html", "index.htm", "index.php"}

_WORD = re.compile(r"[^\W_]+")
_URL = re.compile(r"https?://[^\s)>\]»\"'`]+")
_PHONE = re.compile(r"(?<![\w/.-])(?:\+33\s?|0)\d(?:[ .\n]?\d\d){4}(?![\w/])|(?<![\w/.-])\d\d \d\d(?![\w/ ]\d)")
_CERFA = re.compile(r"cerfa\s*(?:n[°ºo]\s*)?(\d{5})", re.IGNORECASE)
_FORM = re.compile(r"\bS\d{1,4}[a-z]?\b")


# --- helpers (the checkers are tested below, so they cannot silently pass) -----------------------------------


def words(text: str) -> list[str]:
    """Lower-case words with accents kept, punctuation and whitespace ignored."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def word_runs(text: str, length: int = RUN_LENGTH) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i : i + length]) for i in range(len(tokens) - length + 1)}


def copied_runs(
    text: str, runs: set[tuple[str, ...]], length: int = RUN_LENGTH, quoted: tuple[str, ...] = QUOTED_AS_SUCH
) -> list[str]:
    """Every run of ``length`` words of ``text`` that is also in ``runs`` (the seeds'), as readable strings.

    A run made only of the words of an allowed quotation (``quoted``) does not count; a run that goes beyond the
    quotation, into the words around it, still does.
    """
    tokens = words(text)
    allowed: set[int] = set()  # positions of words that belong to an allowed quotation
    for phrase in quoted:
        quote = words(phrase)
        for start in range(len(tokens) - len(quote) + 1):
            if tokens[start : start + len(quote)] == quote:
                allowed.update(range(start, start + len(quote)))
    found = set()
    for start in range(len(tokens) - length + 1):
        run = tuple(tokens[start : start + length])
        if run in runs and not all(i in allowed for i in range(start, start + length)):
            found.add(" ".join(run))
    return sorted(found)


def seed_runs(folder: Path) -> set[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for path in sorted(folder.glob("*.txt")):
        runs |= word_runs(path.read_text(encoding="utf-8"))
    return runs


def knowledge_files() -> list[Path]:
    return [path for lang in LANGUAGES for path in sorted((KNOWLEDGE / lang).glob("*.md"))]


def coverage_ids(readme: Path) -> set[str]:
    """Topic ids named in the coverage table of knowledge/README.md (the "Topic id" column, in backticks)."""
    text = readme.read_text(encoding="utf-8")
    match = re.search(r"^## Coverage\b.*?(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"{readme} has no '## Coverage' section"
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in match.group(0).splitlines()
        if line.lstrip().startswith("|")
    ]
    assert rows and "Topic id" in rows[0], "the coverage table needs a 'Topic id' column"
    column = rows[0].index("Topic id")
    return {topic for row in rows[1:] if len(row) > column for topic in re.findall(r"`([a-z0-9-]+)`", row[column])}


def section_words(text: str) -> int:
    return len(words(re.sub(r"\]\([^)]*\)", "]", text)))  # link targets are not words a reader reads


def _host_is_official(url: str) -> bool:
    host = re.sub(r"^https?://", "", url).split("/", 1)[0].lower()
    return any(host == h or host.endswith("." + h) for h in OFFICIAL_HOSTS)


def is_landing_page(url: str) -> bool:
    """A site's home page or a section hub (``https://www.ameli.fr/assure``, ``…/particuliers``): no page of facts."""
    rest = re.sub(r"^https?://[^/?#]+", "", url.strip())
    path = re.split(r"[?#]", rest, maxsplit=1)[0]
    return all(segment.lower() in LANDING_SEGMENTS for segment in path.split("/"))


def section_sources(article: Article) -> list[tuple[str, tuple[str, ...]]]:
    """Each section's heading and the pages it cites: its Source line, else the article's sources."""
    return [(s.heading, s.sources or article.sources) for s in article.sections]


def phones(text: str) -> set[str]:
    return {re.sub(r"\D", "", number) for number in _PHONE.findall(text)}


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return load_articles(KNOWLEDGE)


def by_lang(articles: list[Article]) -> dict[str, dict[str, Article]]:
    table: dict[str, dict[str, Article]] = {lang: {} for lang in LANGUAGES}
    for article in articles:
        table[article.lang][article.id] = article
    return table


# --- the knowledge base ---------------------------------------------------------------------------------------


def test_validator_finds_no_problem():
    problems = validate(KNOWLEDGE)
    assert not problems, "\n".join(problems)


def test_every_article_has_its_twin(articles):
    table = by_lang(articles)
    only_en = sorted(set(table["en"]) - set(table["fr"]))
    only_fr = sorted(set(table["fr"]) - set(table["en"]))
    assert not only_en and not only_fr, f"no French twin: {only_en}; no English twin: {only_fr}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_enough_topics_in_each_language(lang, articles):
    count = sum(1 for article in articles if article.lang == lang)
    assert count >= MIN_TOPICS, f"{count} topics in {lang}/, at least {MIN_TOPICS} expected"


def test_front_matter_is_complete_and_consistent(articles):
    problems = []
    for article in articles:
        for name in REQUIRED_FIELDS:
            if not getattr(article, name):
                problems.append(f"{article.path.name} ({article.lang}): empty {name}")
        if article.id != article.path.stem or article.lang != article.path.parent.name:
            problems.append(f"{article.path}: id/lang do not match the file's name/folder")
        if not all(tag.strip() for tag in article.tags):
            problems.append(f"{article.path}: empty tag")
    assert not problems, "\n".join(problems)


def test_review_dates_are_real_and_not_in_the_future(articles):
    today = dt.date.today()
    late = [f"{a.path}: {a.last_reviewed}" for a in articles if a.last_reviewed > today]
    assert not late, "last_reviewed in the future:\n" + "\n".join(late)


def test_every_article_cites_an_official_https_source(articles):
    problems = [
        f"{a.path}: {a.sources}"
        for a in articles
        if not any(s.startswith("https://") and _host_is_official(s) for s in a.sources)
    ]
    assert not problems, "no https source on ameli.fr or service-public.fr:\n" + "\n".join(problems)


def test_every_section_has_its_own_review_date(articles):
    """The day each section was checked against its source, not one date stamped on the whole article."""
    problems = [
        f"{a.path.name} ({a.lang}) § {s.heading!r}: no 'Reviewed: YYYY-MM-DD' / 'Vérifié le : YYYY-MM-DD' line"
        for a in articles
        for s in a.sections
        if s.last_reviewed is None
    ]
    assert not problems, "\n".join(problems)
    newest = {a.path: max(s.last_reviewed for s in a.sections) for a in articles}
    stale = [
        f"{a.path.name} ({a.lang}): {a.last_reviewed}, newest section {newest[a.path]}"
        for a in articles
        if a.last_reviewed != newest[a.path]
    ]
    assert not stale, "last_reviewed must be the most recent of the sections' dates:\n" + "\n".join(stale)


def test_no_section_rests_on_a_landing_page(articles):
    """A site's home page states no fact: each section names the page(s) that say what it says."""
    problems = []
    for a in articles:
        for heading, urls in section_sources(a):
            if all(is_landing_page(url) for url in urls):
                problems.append(f"{a.path.name} ({a.lang}) § {heading!r}: only {list(urls)}")
        landing = [u for u in a.sources if is_landing_page(u)]
        problems += [f"{a.path.name} ({a.lang}): front matter cites the landing page {u}" for u in landing]
    assert not problems, "cite the page that states the facts, not a home page:\n" + "\n".join(problems)


def test_every_section_lists_two_to_eight_questions(articles):
    problems = [
        f"{a.path.name} ({a.lang}) § {s.heading!r}: {len(s.questions)} questions"
        for a in articles
        for s in a.sections
        if not 2 <= len(s.questions) <= 8
    ]
    assert not problems, "\n".join(problems)


def test_sections_are_one_retrieval_passage_long(articles):
    low, high = SECTION_WORDS
    problems = []
    for a in articles:
        for s in a.sections:
            count = section_words(s.text)
            if not low <= count <= high:
                problems.append(f"{a.path.name} ({a.lang}) § {s.heading!r}: {count} words")
    assert not problems, f"sections must have {low}-{high} words:\n" + "\n".join(problems)


def test_questions_are_questions_in_the_files_language(articles):
    problems = []
    for a in articles:
        for s in a.sections:
            for q in s.questions:
                if a.lang == "fr" and not re.search(r"[\s\u00a0\u202f]\?$", q):
                    problems.append(f"{a.path.name} (fr): French spacing before '?' expected: {q!r}")
                if a.lang == "en" and not re.search(r"\S\?$", q):
                    problems.append(f"{a.path.name} (en): should end with '?': {q!r}")
    assert not problems, "\n".join(problems)


def test_coverage_table_ids_exist_in_both_languages(articles):
    table = by_lang(articles)
    ids = coverage_ids(KNOWLEDGE / "README.md")
    assert len(ids) >= MIN_TOPICS, f"the coverage table names only {len(ids)} topic ids"
    missing = {lang: sorted(ids - set(table[lang])) for lang in LANGUAGES}
    assert not any(missing.values()), f"ids of the coverage table without an article: {missing}"
    unlisted = sorted((set(table["en"]) | set(table["fr"])) - ids)
    assert not unlisted, f"articles missing from the coverage table: {unlisted}"


def test_only_reference_phone_numbers_forms_and_official_urls():
    problems = []
    for path in knowledge_files():
        text = path.read_text(encoding="utf-8")
        for number in phones(text) - ALLOWED_PHONES:
            problems.append(f"{path}: phone number {number} is not in the reference files")
        for number in set(_CERFA.findall(text)) - ALLOWED_CERFA:
            problems.append(f"{path}: Cerfa {number} is not in the reference files")
        for form in set(_FORM.findall(text)) - ALLOWED_FORMS:
            problems.append(f"{path}: form {form} is not in the reference files")
        for url in _URL.findall(text):
            if not _host_is_official(url) or not url.startswith("https://"):
                problems.append(f"{path}: {url} is not an official https page (OFFICIAL_HOSTS)")
    assert not problems, "\n".join(problems)


def test_no_run_of_eight_words_from_a_seed_guide():
    if not SEEDS.is_dir():
        pytest.skip(f"seed guides not found at {SEEDS}: cannot check for copied sentences here")
    runs = seed_runs(SEEDS)
    assert runs, f"no text read from {SEEDS}"
    problems = []
    for path in knowledge_files():
        for run in copied_runs(path.read_text(encoding="utf-8"), runs):
            problems.append(f"{path}: «{run}»")
    assert not problems, "copied from a seed guide:\n" + "\n".join(problems)


# --- the checkers catch what they are meant to catch ----------------------------------------------------------


ARTICLE = """---
id: {id}
lang: {lang}
title: A test topic
summary: Written for the test.
tags: [test]
sources:
  - https://www.ameli.fr/assure
last_reviewed: 2026-01-05
---

## The only section

{body}

Questions:
- First question?
- Second question?
"""


def _write_twins(folder: Path, topic: str, body_en: str, body_fr: str | None = None) -> None:
    for lang, body in (("en", body_en), ("fr", body_en if body_fr is None else body_fr)):
        (folder / lang).mkdir(parents=True, exist_ok=True)
        (folder / lang / f"{topic}.md").write_text(ARTICLE.format(id=topic, lang=lang, body=body), "utf-8")


def test_checker_catches_a_planted_eight_word_run(tmp_path):
    seed = "Some guide. You Should always send the form by registered mail so nothing gets lost, they say."
    (tmp_path / "seed.txt").write_text(seed, encoding="utf-8")
    runs = seed_runs(tmp_path)
    assert RUN_LENGTH == 8
    planted = "Intro text — Should ALWAYS send the form, by registered mail: or else."
    assert copied_runs(planted, runs) == ["should always send the form by registered mail"]
    seven_words = "you should always send the form by post"
    assert copied_runs(seven_words, runs) == []
    own_words = "Post the form with a signed receipt, which proves the CPAM got it."
    assert copied_runs(own_words, runs) == []


def test_an_allowed_quotation_is_not_copying_but_the_words_around_it_are(tmp_path):
    seed = "I got the message “Votre situation actuelle ne vous permet pas de créer immédiatement votre compte.”"
    (tmp_path / "seed.txt").write_text(seed, encoding="utf-8")
    runs = seed_runs(tmp_path)
    quoted = ("ne vous permet pas de créer immédiatement votre compte",)
    quote_only = 'The site says "… ne vous permet pas de créer immédiatement votre compte". Call 36 46.'
    assert copied_runs(quote_only, runs, quoted=quoted) == []
    assert copied_runs(quote_only, runs, quoted=()) != []  # without the allow-list it is a copied run
    with_context = "Votre situation actuelle ne vous permet pas de créer immédiatement votre compte"
    assert "votre situation actuelle ne vous permet pas de" in copied_runs(with_context, runs, quoted=quoted)


def test_checker_catches_a_planted_broken_link_and_a_missing_twin(tmp_path):
    _write_twins(tmp_path, "alpha", "See [beta](beta.md).")
    _write_twins(tmp_path, "beta", "See [alpha](alpha.md) and [the cards](alpha.md#cards).")
    assert validate(tmp_path) == []

    _write_twins(tmp_path, "gamma", "See [a topic nobody wrote](no-such-topic.md).")
    (tmp_path / "fr" / "beta.md").unlink()
    problems = validate(tmp_path)
    assert any("broken internal link 'no-such-topic.md'" in p for p in problems)
    assert any(p.endswith("beta.md has no fr twin") for p in problems)
    assert any("broken internal link 'beta.md'" in p and "/fr/" in p for p in problems)


def test_parser_reads_questions_and_sources_in_both_spellings(tmp_path):
    source = "https://www.ameli.fr/assure"
    _write_twins(tmp_path, "alpha", f"Body.\n\nSource: {source}", f"Texte.\n\nSource : {source}")
    fr = tmp_path / "fr" / "alpha.md"
    fr.write_text(fr.read_text("utf-8").replace("Questions:", "Questions :"), "utf-8")
    for lang in LANGUAGES:
        (section,) = parse_article(tmp_path / lang / "alpha.md").sections
        assert section.questions == ("First question?", "Second question?")
        assert section.source == source


def test_phone_checker_recognises_numbers_in_their_usual_spellings():
    text = (
        "Call 36 46, or 09 74 75 36 46, from abroad +33 9 74 75 36 46;"
        " not 01.23.45.67.89 nor 0612345678 nor 01 44\n55 66 77 (wrapped across two lines)."
    )
    assert phones(text) == {"3646", "0974753646", "33974753646", "0123456789", "0612345678", "0144556677"}
    assert phones("Dates like 22 December 2024, 15 May, 2026-11-23 and €19.61 are not phone numbers.") == set()


def test_coverage_table_parser_reads_the_id_column(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "# KB\n\n## Coverage\n\n| Part | Bullet | Topic id | Files |\n|---|---|---|---|\n"
        "| 1 | the `card` | `carte-vitale` | `en/carte-vitale.md` |\n| 2 | two | `actors`, `glossary` | … |\n\n"
        "## Next\n| Topic id |\n|---|\n| `nope` |\n",
        "utf-8",
    )
    assert coverage_ids(readme) == {"carte-vitale", "actors", "glossary"}


def test_landing_page_check_tells_home_pages_from_pages_of_facts(tmp_path):
    landing = (
        "https://www.ameli.fr/assure",
        "https://www.ameli.fr/",
        "https://www.ameli.fr",
        "https://www.cleiss.fr/fr",
        "https://www.service-public.fr/particuliers",
        "https://www.service-public.fr/particuliers/vosdroits/",
        "https://etudiant-etranger.ameli.fr/#/",
        "https://www.ameli.fr/assure?lang=en",
    )
    facts = (
        "https://www.ameli.fr/assure/remboursements/rembourse/frais-transport",
        "https://www.service-public.fr/particuliers/vosdroits/F17042",
        "https://www.cleiss.fr/faq/brexit_en.html",
        "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000031688431",
    )
    assert [u for u in landing if not is_landing_page(u)] == []
    assert [u for u in facts if is_landing_page(u)] == []
    _write_twins(tmp_path, "alpha", "Body.")  # ARTICLE cites only https://www.ameli.fr/assure
    (only_landing,) = section_sources(parse_article(tmp_path / "en" / "alpha.md"))
    assert all(is_landing_page(u) for u in only_landing[1])
    _write_twins(tmp_path, "beta", f"Body.\n\nSource: {landing[0]} {facts[0]}")
    (with_page,) = section_sources(parse_article(tmp_path / "en" / "beta.md"))
    assert not all(is_landing_page(u) for u in with_page[1])


def test_official_host_check_is_not_fooled_by_look_alike_addresses():
    assert _host_is_official("https://www.ameli.fr/assure")
    assert _host_is_official("https://etudiant-etranger.ameli.fr")
    assert _host_is_official("https://www.service-public.fr/particuliers/vosdroits/F17042")
    assert not _host_is_official("https://ameli.fr.example.com/assure")
    assert not _host_is_official("https://www.notameli.fr/")
    assert not _host_is_official("https://www.example.com/?ref=ameli.fr")


def test_parser_reads_several_sources_and_the_review_date_of_each_section(tmp_path):
    from bot.retrieval.passages import article_passages

    first, second = "https://www.ameli.fr/assure/a", "https://www.service-public.fr/particuliers/vosdroits/F1"
    _write_twins(
        tmp_path,
        "alpha",
        f"Body.\n\nSource: {first} {second}\nReviewed: 2025-12-31",
        f"Texte.\n\nSource : {first}, {second}\nVérifié le : 2025-12-31",
    )
    for lang in LANGUAGES:
        article = parse_article(tmp_path / lang / "alpha.md")
        (section,) = article.sections
        assert section.sources == (first, second) and section.source == first
        assert section.last_reviewed == dt.date(2025, 12, 31)
        assert "Reviewed" not in section.text and "Vérifié" not in section.text
        (passage,) = article_passages(article)
        assert passage.last_reviewed == "2025-12-31"  # the section's date, not the article's (2026-01-05)
    assert validate(tmp_path) == []


def test_a_section_without_a_review_line_takes_the_articles_date_and_bad_dates_are_reported(tmp_path):
    from bot.retrieval.passages import article_passages

    _write_twins(tmp_path, "alpha", "Body.")
    article = parse_article(tmp_path / "en" / "alpha.md")
    assert article.sections[0].last_reviewed is None
    assert article_passages(article)[0].last_reviewed == "2026-01-05"

    _write_twins(tmp_path, "beta", "Body.\n\nReviewed: 2026-02-01")  # later than the front matter's 2026-01-05
    assert any("after the article's last_reviewed" in p for p in validate(tmp_path))
    _write_twins(tmp_path, "gamma", "Body.\n\nReviewed: 1 December 2026")
    with pytest.raises(KnowledgeFormatError, match="YYYY-MM-DD"):
        parse_article(tmp_path / "en" / "gamma.md")
    _write_twins(tmp_path, "delta", "Body.\n\nSource: the ameli site")
    with pytest.raises(KnowledgeFormatError, match="URLs only"):
        parse_article(tmp_path / "en" / "delta.md")


# --- one truth for figures: the articles write the calculator's figures as rules.yml has them today ---------------

_EUR_EN = r"€\s?(?P<v>\d+(?:\.\d\d)?)"  # €30, €31.50
_EUR_FR = r"(?P<v>\d+(?:,\d\d)?)\s?€"  # 30 €, 31,50 €
_PCT = r"(?P<v>\d+)\s?%"

# (rule key in bot/calculator/rules.yml, language, pattern with the figure in group ``v``). Each pattern names the
# figure next to what it is, so that a match is that figure and nothing else; every (rule, language) named here must
# be found, as rules.yml has it today, in the articles.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("tariff.gp", "en", r"\bGP (?:at |visit at )?€(?P<v>\d+(?:\.\d\d)?)"),
    ("tariff.gp", "en", r"€(?P<v>\d+(?:\.\d\d)?) GP visit"),
    ("tariff.gp", "fr", rf"généraliste à {_EUR_FR}"),
    ("tariff.gp", "fr", rf"généraliste en secteur 1, prix et base se confondent : {_EUR_FR}"),
    ("tariff.gp", "en", rf"For a GP in secteur 1 the price and the base are the same, {_EUR_EN}"),
    ("tariff.teleconsultation", "en", rf"GP teleconsultation {_EUR_EN}"),
    ("tariff.gp_under_6", "en", rf"{_EUR_EN} for a child under 6"),
    ("tariff.specialist", "en", rf"most specialists (?:at )?{_EUR_EN}"),
    ("tariff.specialist", "fr", rf"la plupart des spécialistes (?:à )?{_EUR_FR}"),
    ("tariff.gynecologist", "en", rf"gynaecologist {_EUR_EN}"),
    ("tariff.psychiatrist", "en", rf"psychiatrist or neurologist {_EUR_EN}"),
    ("tariff.psychologist", "en", rf"Mon soutien psy\W+\({_EUR_EN}"),
    ("tariff.psychologist", "fr", rf"Mon soutien psy\W+\({_EUR_FR}"),
    ("rate.doctor_hors_parcours", "en", rf"{_PCT} instead of \d+\s?%"),
    ("rate.doctor", "en", r"\d+\s?% instead of (?P<v>\d+)\s?%"),
    ("rate.doctor_hors_parcours", "fr", rf"{_PCT} au lieu de \d+\s?%"),
    ("rate.doctor", "fr", r"\d+\s?% au lieu de (?P<v>\d+)\s?%"),
    ("rate.doctor", "en", rf"refunded at {_PCT} of the official rate"),
    ("rate.doctor", "fr", rf"remboursés à {_PCT} du tarif de base"),
    ("rate.doctor_hors_parcours", "en", rf"the rate falls to {_PCT}"),
    ("rate.doctor_hors_parcours", "fr", rf"le taux tombe à {_PCT}"),
    ("rate.dentist", "en", rf"Dentists: {_PCT}"),
    ("rate.auxiliary", "en", rf"podiatrists: {_PCT}"),
    ("rate.lab", "en", rf"Laboratory tests: {_PCT}"),
    ("rate.imaging", "en", rf"Imaging and X-rays: {_PCT}"),
    ("rate.hospital", "en", rf"hospital stay is paid at {_PCT}"),
    ("rate.hospital", "en", rf"the Assurance Maladie pays {_PCT} of the official cost"),
    ("rate.hospital", "fr", rf"l'Assurance Maladie prend en charge {_PCT} du tarif officiel"),
    ("rate.transport", "en", rf"is paid at {_PCT} since 1 August 2023"),
    ("hospital.full_rate_from_day", "en", r"from the (?P<v>\d+)(?:st|nd|rd|th) day"),
    ("hospital.full_rate_from_day", "fr", r"à partir du (?P<v>\d+)e jour"),
    ("heavy_act.threshold", "en", rf"{_EUR_EN} or more"),
    ("heavy_act.threshold", "fr", rf"{_EUR_FR} ou plus"),
    ("heavy_act.forfait", "en", rf"This fee has been {_EUR_EN}"),
    ("heavy_act.forfait", "fr", rf"Ce forfait est de {_EUR_FR}"),
    ("forfait_journalier.general", "en", rf"It has been {_EUR_EN} per day"),
    ("forfait_journalier.general", "fr", rf"Il est de {_EUR_FR} par jour"),
    ("forfait_journalier.general", "en", rf"Forfait journalier: the daily hospital fee, {_EUR_EN}"),
    ("forfait_journalier.general", "fr", rf"la somme due par jour d'hospitalisation, {_EUR_FR}"),
    ("forfait_journalier.psychiatry", "en", rf"per day \({_EUR_EN} in psychiatry"),
    ("forfait_journalier.psychiatry", "fr", rf"par jour \({_EUR_FR} en psychiatrie"),
    ("forfait_urgences.full", "en", rf"and is {_EUR_EN} \(reduced rate"),
    ("forfait_urgences.full", "fr", rf"s'élève à {_EUR_FR} \(tarif réduit"),
    ("forfait_urgences.reduced", "en", r"and is €\d+(?:\.\d\d)? \(reduced rate €(?P<v>\d+(?:\.\d\d)?)"),
    ("forfait_urgences.reduced", "fr", r"s'élève à \d+(?:,\d\d)?\s?€ \(tarif réduit (?P<v>\d+(?:,\d\d)?)\s?€"),
    ("pf.amount", "en", rf"{_EUR_EN} participation forfaitaire"),
    ("pf.amount", "fr", rf"participation forfaitaire (?:de |à |: )?{_EUR_FR}"),
    ("pf.amount", "en", rf"participation forfaitaire (?:is |at |: )?{_EUR_EN}"),
    ("franchise.medication", "en", rf"{_EUR_EN} per box"),
    ("franchise.medication", "fr", rf"{_EUR_FR} par boîte"),
    ("franchise.paramedical", "en", rf"{_EUR_EN} per paramedical act"),
    ("franchise.paramedical", "fr", rf"{_EUR_FR} par acte paramédical"),
    ("franchise.transport", "en", rf"{_EUR_EN} per (?:medical )?transport"),
    ("franchise.transport", "fr", rf"{_EUR_FR} par transport"),
    ("cap.pf_per_year", "en", rf"and to {_EUR_EN} per calendar year"),
    ("cap.pf_per_year", "fr", rf"et à {_EUR_FR} par année civile"),
    ("cap.franchises_per_year", "en", rf"capped at {_EUR_EN} per calendar year"),
    ("cap.franchises_per_year", "fr", rf"plafonné à {_EUR_FR} par année civile"),
    ("age.parcours_from", "en", r"30\s?% from age (?P<v>\d+)"),
    ("age.parcours_from", "fr", r"30\s?% dès (?P<v>\d+) ans"),
    ("age.pf_franchise_exempt_under", "en", r"Under (?P<v>\d+) there is no €2"),
    ("age.pf_franchise_exempt_under", "fr", r"Avant (?P<v>\d+) ans, la participation forfaitaire"),
    ("age.psychiatrist_direct_access_to", "en", r"neuropsychiatrist if you are between 16 and (?P<v>\d+)"),
    ("age.psychiatrist_direct_access_to", "fr", r"neuropsychiatre entre 16 et (?P<v>\d+) ans"),
    ("age.psychologist_from", "en", r"Mon soutien psy, anyone from the age of (?P<v>\d+)"),
    ("age.psychologist_from", "fr", r"Mon soutien psy, toute personne dès (?P<v>\d+) ans"),
    ("rate.psychologist", "en", rf"up to 12 sessions a year\): {_PCT}"),
    ("rate.psychologist", "fr", rf"jusqu'à 12 séances par an\) : {_PCT}"),
    ("rate.dentist", "fr", rf"Dentistes : {_PCT}"),
    ("rate.auxiliary", "fr", rf"pédicures-podologues : {_PCT}"),
    ("rate.lab", "fr", rf"Analyses de laboratoire : {_PCT}"),
    ("rate.imaging", "fr", rf"Radiologie et imagerie : {_PCT}"),
    ("rate.transport", "fr", rf"est remboursé à {_PCT} depuis le 1er août 2023"),
    ("rate.exonerated", "en", rf"Care linked to an ALD is paid at {_PCT}"),
    ("rate.exonerated", "fr", rf"Les soins liés à une ALD sont pris en charge à {_PCT}"),
    ("tariff.gynecologist", "fr", rf"gynécologue {_EUR_FR}"),
    ("tariff.psychiatrist", "fr", rf"psychiatre ou neurologue {_EUR_FR}"),
    ("tariff.teleconsultation", "fr", rf"téléconsultation chez le généraliste {_EUR_FR}"),
    ("tariff.gp_under_6", "fr", rf"{_EUR_FR} pour un enfant de moins de 6 ans"),
    ("hospital.full_rate_from_day", "en", r"(?P<v>\d+)(?:st|nd|rd|th) day in a row in hospital"),
    # glasses (issue 17): the contrat responsable's class B ceilings and the class A frame's base
    ("cap.glasses_class_b_frame", "en", rf"pays at most {_EUR_EN} for the frame"),
    ("cap.glasses_class_b_frame", "fr", rf"rembourse au maximum {_EUR_FR} pour la monture"),
    ("cap.glasses_class_b_simple_total", "en", rf"at most {_EUR_EN} for a pair with two simple lenses"),
    ("cap.glasses_class_b_simple_total", "fr", rf"au maximum {_EUR_FR} pour une paire à verres simples"),
    ("cap.glasses_class_b_highest_total", "en", rf"{_EUR_EN} with very complex lenses"),
    ("cap.glasses_class_b_highest_total", "fr", rf"{_EUR_FR} à verres très complexes"),
    ("tariff.glasses_frame_class_a", "en", rf"class A frame, the base is {_EUR_EN}"),
    ("tariff.glasses_frame_class_a", "fr", rf"monture de classe A, la base est de {_EUR_FR}"),
)

# Words that date a figure as no longer (or not yet) in force: such a sentence may give another version of the rule.
_DATED = re.compile(
    r"\b(?:before|until|was|were|used to|previously|auparavant|avant|jusqu|était|étaient)\b",
    re.IGNORECASE,
)
# Words that mark a figure as a proposal that never came into force: the only place for a figure rules.yml never had.
_NOT_ADOPTED = re.compile(r"\b(?:plans? to|were all dropped|projets? de|abandonnés?)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")
# Characters before and after an older figure where its date word must be ("was €20", "€24 before").
DATE_WINDOW = (20, 16)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\]\([^)]*\)", "]", text))  # link targets out, one line


def _sentence_at(text: str, position: int) -> str:
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > position:
            return text[start : match.start()]
        start = match.end()
    return text[start:]


def _states(sentence: str, value: Decimal, lang: str, pattern: str) -> bool:
    """Whether ``sentence`` also writes ``value`` in the unit of ``pattern`` (€, % or a bare number)."""
    number = f"{value.normalize():f}"
    spellings = {number, f"{value:.2f}"} if "." in f"{value:.2f}" and value != value.to_integral() else {number}
    if lang == "fr":
        spellings = {s.replace(".", ",") for s in spellings}
    for spelled in spellings:
        euro = rf"€\s?{re.escape(spelled)}(?![\d.,])|(?<![\d.,]){re.escape(spelled)}\s?€"
        if "€" in pattern and re.search(euro, sentence):
            return True
        if "%" in pattern and re.search(rf"(?<![\d.,]){re.escape(spelled)}\s?%", sentence):
            return True
        bare = rf"(?<![\d.,]){re.escape(spelled)}(?![\d.,])"
        if "€" not in pattern and "%" not in pattern and re.search(bare, sentence):
            return True
    return False


def figure_findings(articles: list[Article], rules, today: dt.date) -> tuple[list[str], set[tuple[str, str]]]:
    """(problems, the (rule, language) pairs found written as rules.yml has them on ``today``)."""
    problems: list[str] = []
    found: set[tuple[str, str]] = set()
    for key, lang, pattern in FIGURES:
        current = rules.version(key, today).value
        for article in articles:
            if article.lang != lang:
                continue
            for heading, raw in [("summary", article.summary), *((s.heading, s.text) for s in article.sections)]:
                text = _flat(raw)
                for match in re.finditer(pattern, text, re.IGNORECASE):
                    value = _value(match)
                    if value == current:
                        found.add((key, lang))
                        continue
                    sentence = _sentence_at(text, match.start())
                    other_versions = {v.value for v in rules.entries[key]} - {current}
                    near = text[max(0, match.start("v") - DATE_WINDOW[0]) : match.end("v") + DATE_WINDOW[1]]
                    if value in other_versions and (_states(sentence, current, lang, pattern) or _DATED.search(near)):
                        continue  # another version of the rule, dated or beside today's figure
                    if _NOT_ADOPTED.search(sentence):
                        continue  # a proposal that was never adopted, said as such
                    problems.append(
                        f"{article.path.name} ({lang}) § {heading!r}: {match.group(0)!r} but rules.yml has"
                        f" {key} = {current} on {today.isoformat()}"
                    )
    return problems, found


def test_figures_in_the_articles_agree_with_the_calculator_rules_for_today(articles):
    rules = load_rules()  # bot/calculator/rules.yml, read through the calculator's own loader
    problems, found = figure_findings(articles, rules, dt.date.today())
    assert not problems, "one truth for figures (change rules.yml first, then the articles):\n" + "\n".join(problems)
    expected = {(key, lang) for key, lang, _ in FIGURES}
    missing = sorted(expected - found)
    assert not missing, f"no article states these figures as rules.yml has them today (or FIGURES is stale): {missing}"


def _one_article(folder: Path, topic: str, body: str, lang: str = "en") -> Article:
    (folder / lang).mkdir(parents=True, exist_ok=True)
    path = folder / lang / f"{topic}.md"
    path.write_text(ARTICLE.format(id=topic, lang=lang, body=body), "utf-8")
    return parse_article(path)


def test_figure_checker_catches_a_wrong_figure_and_lets_a_dated_old_one_through(tmp_path):
    rules = load_rules()
    day = dt.date(2026, 6, 1)  # forfait journalier €23 since 1 March 2026, €20 before
    right = _one_article(tmp_path, "right", "The forfait journalier: it has been €23 per day (€17 in psychiatry).")
    history = _one_article(
        tmp_path, "history", "Check the date on your bill. It has been €20 per day until 28 February 2026, then more."
    )
    undated = _one_article(tmp_path, "undated", "It has been €20 per day for a long time now, as far as we know.")
    wrong = _one_article(tmp_path, "wrong", "The forfait journalier covers your bed. It has been €21 per day.")
    french = _one_article(tmp_path, "french", "Ce forfait est de 24 € depuis avril 2026.", lang="fr")
    problems, found = figure_findings([right, history], rules, day)
    assert problems == [] and ("forfait_journalier.general", "en") in found
    problems, _ = figure_findings([undated], rules, day)  # an older version said as if it were today's
    assert len(problems) == 1 and "€20 per day" in problems[0]
    problems, _ = figure_findings([wrong], rules, day)
    assert len(problems) == 1 and "€21 per day" in problems[0] and "forfait_journalier.general = 23" in problems[0]
    problems, _ = figure_findings([french], rules, day)  # €24 is the heavy-act forfait before 22 April 2026
    assert len(problems) == 1 and "heavy_act.forfait = 32" in problems[0]
    assert figure_findings([french], rules, dt.date(2026, 3, 1))[0] == []  # on 1 March 2026 it was still €24


def test_figure_checker_follows_rules_yml_when_a_rate_changes(tmp_path):
    """A new dated version in rules.yml makes an article that still says the old rate fail, with no code change."""
    raw = yaml.safe_load((REPO / "bot" / "calculator" / "rules.yml").read_text("utf-8"))
    day = dt.date.today()
    current = load_rules().version("rate.hospital", day).value
    article = _one_article(tmp_path, "stay", f"A hospital stay is paid at {current}%, and at 100% in several cases.")
    assert figure_findings([article], load_rules(), day)[0] == []
    changed = dict(raw["entries"]["rate.hospital"][-1], value=int(current) - 5, **{"from": day.isoformat()})
    raw["entries"]["rate.hospital"] = [*raw["entries"]["rate.hospital"], changed]
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    problems, _ = figure_findings([article], load_rules(tmp_path / "rules.yml"), day)
    assert len(problems) == 1 and f"rate.hospital = {int(current) - 5}" in problems[0]


def test_every_figure_the_table_reads_is_caught_when_changed_in_a_copy_of_the_articles(tmp_path):
    """Mutation check on copies of the real sections: each figure the table reads, changed (30 → 930), fails."""
    rules, day = load_rules(), dt.date.today()
    articles = load_articles(KNOWLEDGE)
    _, found = figure_findings(articles, rules, day)
    caught: set[tuple[str, str]] = set()
    for number, (key, lang, pattern) in enumerate(FIGURES):
        current = rules.version(key, day).value
        for text in (_flat(s.text) for a in articles if a.lang == lang for s in a.sections):
            match = next((m for m in re.finditer(pattern, text, re.IGNORECASE) if _value(m) == current), None)
            if match is None or (key, lang) in caught:
                continue
            start, end = match.span("v")
            copy = _one_article(tmp_path, f"m{number}", text[:start] + "9" + text[start:end] + text[end:], lang)
            problems, _ = figure_findings([copy], rules, day)
            assert any(key in p for p in problems), f"changing {match.group(0)!r} ({key}, {lang}) went unnoticed"
            caught.add((key, lang))
    assert caught == found, f"figures found but not mutation-checked: {sorted(found - caught)}"


def _value(match: re.Match[str]) -> Decimal:
    return Decimal(match.group("v").replace(",", "."))
