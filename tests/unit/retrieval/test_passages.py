"""Markdown articles → passages: ids, titles, sources, questions, and the content hash."""

from __future__ import annotations

from pathlib import Path

from bot.retrieval.passages import content_hash, linked_documents, load_passages, plain_text, slugify

from .conftest import ARTICLES, write_knowledge


def by_id(passages):
    return {(p.lang, p.id): p for p in passages}


def test_intro_becomes_a_passage_titled_with_the_article(kb_settings):
    passages = by_id(load_passages(kb_settings.knowledge_dir))
    intro = passages[("en", "medecin-traitant#your-medecin-traitant")]
    assert intro.heading == intro.title == "Your médecin traitant"
    assert intro.title_path == "Your médecin traitant"
    assert intro.text.startswith("The médecin traitant is the doctor")


def test_sections_keep_title_path_questions_source_and_review_date(kb_settings):
    passages = by_id(load_passages(kb_settings.knowledge_dir))
    section = passages[("en", "medecin-traitant#reimbursement-without-a-declared-doctor")]
    assert section.title_path == "Your médecin traitant › Reimbursement without a declared doctor"
    assert section.questions == ("Why was I only refunded 30%?",)
    assert "Questions" not in section.text and "Why was I" not in section.text
    assert section.source == "https://www.ameli.fr/assure/remboursements/rembourse/consultations"  # its own source
    assert section.last_reviewed == "2026-11-23"
    declaring = passages[("en", "medecin-traitant#declaring-your-doctor")]
    assert declaring.source.startswith("https://www.ameli.fr/assure/remboursements/etre-bien-rembourse/medecin")


def test_article_without_introduction_starts_with_its_first_section(kb_settings):
    ids = [p.id for p in load_passages(kb_settings.knowledge_dir) if p.doc_id == "carte-vitale" and p.lang == "en"]
    assert ids == ["carte-vitale#ordering-your-card", "carte-vitale#updating-your-card"]


def test_french_headings_give_ascii_ids_and_french_questions(kb_settings):
    passages = by_id(load_passages(kb_settings.knowledge_dir))
    section = passages[("fr", "medecin-traitant#declarer-son-medecin")]
    assert section.heading == "Déclarer son médecin"
    assert section.questions == (
        "Comment choisir un médecin généraliste attitré ?",
        "Puis-je changer de médecin traitant ?",
    )


def test_repeated_headings_get_distinct_ids(tmp_path: Path):
    article = ARTICLES["en/carte-vitale.md"].replace("## Updating your card", "## Ordering your card")
    root = write_knowledge(tmp_path / "knowledge", {"en/carte-vitale.md": article})
    ids = [p.id for p in load_passages(root)]
    assert ids == ["carte-vitale#ordering-your-card", "carte-vitale#ordering-your-card-2"]


def test_a_malformed_article_is_left_out_and_named(tmp_path: Path):
    broken = "---\nid: broken\nlang: en\ntitle: [unclosed\n---\n\nText.\n"
    files = {"en/carte-vitale.md": ARTICLES["en/carte-vitale.md"], "en/broken.md": broken}
    root = write_knowledge(tmp_path / "knowledge", files)
    skipped: list[str] = []
    passages = load_passages(root, skipped)
    assert {p.doc_id for p in passages} == {"carte-vitale"}
    assert len(skipped) == 1 and "broken.md" in skipped[0]


def test_empty_knowledge_dir_gives_no_passages(tmp_path: Path):
    root = write_knowledge(tmp_path / "knowledge", {})
    assert load_passages(root) == []


def test_content_hash_changes_with_any_edit_and_only_then(kb_settings):
    root = kb_settings.knowledge_dir
    first = content_hash(root)
    assert content_hash(root) == first
    path = root / "fr" / "carte-vitale.md"
    path.write_text(path.read_text(encoding="utf-8").replace("une fois par an", "deux fois par an"), encoding="utf-8")
    second = content_hash(root)
    assert second != first
    (root / "en" / "new.md").write_text(ARTICLES["en/ehic.md"].replace("id: ehic", "id: new"), encoding="utf-8")
    assert content_hash(root) != second


def test_plain_text_and_slugify():
    assert plain_text("See **the** [ameli account](ameli-account.md).") == "See the ameli account."
    assert slugify("Être remboursé à 100 %") == "etre-rembourse-a-100"
    assert slugify("???") == "section"


def test_links_to_other_articles_are_listed_once_in_order_and_web_links_are_not():
    text = (
        "Open your [ameli account](ameli-account.md), then order the [card](carte-vitale.md#ordering). "
        "See [ameli.fr](https://www.ameli.fr/assure) and the [account](ameli-account.md) again."
    )
    assert linked_documents(text) == ("ameli-account", "carte-vitale")
    assert linked_documents("No link here.") == ()
