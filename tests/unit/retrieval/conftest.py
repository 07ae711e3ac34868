"""A tiny bilingual knowledge base in tmp_path, and the bundled model loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import BUNDLED_MODEL, Settings

ARTICLES = {
    "en/medecin-traitant.md": """---
id: medecin-traitant
lang: en
title: Your médecin traitant
summary: Why and how to declare a regular doctor.
tags: [doctor, GP, médecin traitant]
sources:
  - https://www.ameli.fr/assure/remboursements/etre-bien-rembourse/medecin-traitant-parcours-soins-coordonnes
last_reviewed: 2026-11-23
---

The médecin traitant is the doctor who coordinates your care and sends you to specialists when needed.

## Declaring your doctor

You and the doctor fill in the declaration together, usually online during a consultation. You can change doctor at
any time with a new declaration. Bring your [Carte Vitale](carte-vitale.md#updating-your-card).

Questions:
- How do I register with a GP?
- Can I switch to another family doctor?

## Reimbursement without a declared doctor

Without a declared médecin traitant, a consultation is reimbursed at 30% instead of 70%.

Source: https://www.ameli.fr/assure/remboursements/rembourse/consultations

Questions:
- Why was I only refunded 30%?
""",
    "fr/medecin-traitant.md": """---
id: medecin-traitant
lang: fr
title: Le médecin traitant
summary: Pourquoi et comment déclarer un médecin traitant.
tags: [médecin, généraliste, médecin traitant]
sources:
  - https://www.ameli.fr/assure/remboursements/etre-bien-rembourse/medecin-traitant-parcours-soins-coordonnes
last_reviewed: 2026-11-23
---

Le médecin traitant coordonne vos soins et vous oriente vers des spécialistes si besoin.

## Déclarer son médecin

Le patient et le médecin remplissent la déclaration ensemble, le plus souvent en ligne pendant une consultation. On
peut changer de médecin traitant à tout moment par une nouvelle déclaration.

Questions :
- Comment choisir un médecin généraliste attitré ?
- Puis-je changer de médecin traitant ?

## Remboursement sans médecin traitant déclaré

Sans médecin traitant déclaré, une consultation est remboursée à 30 % au lieu de 70 %.

Questions :
- Pourquoi ai-je été remboursé seulement 30 % ?
""",
    "en/carte-vitale.md": """---
id: carte-vitale
lang: en
title: The Carte Vitale
summary: The green health card and how to keep it up to date.
tags: [carte vitale, card]
sources:
  - https://www.ameli.fr/assure/remboursements/etre-bien-rembourse/carte-vitale
last_reviewed: 2026-11-20
---

## Ordering your card

A Carte Vitale needs a permanent social security number. Order it from your ameli account with a photo and an
identity document.

Questions:
- How do I get my green card?

## Updating your card

Update the Carte Vitale at least once a year and after any change, in a pharmacy card reader or a CPAM kiosk.
""",
    "fr/carte-vitale.md": """---
id: carte-vitale
lang: fr
title: La carte Vitale
summary: La carte verte et sa mise à jour.
tags: [carte vitale, carte]
sources:
  - https://www.ameli.fr/assure/remboursements/etre-bien-rembourse/carte-vitale
last_reviewed: 2026-11-20
---

## Commander sa carte

La carte Vitale demande un numéro de sécurité sociale définitif. Elle se commande depuis le compte ameli avec une
photo et une pièce d'identité.

Questions :
- Comment obtenir ma carte Vitale ?

## Mettre à jour sa carte

Mettez la carte Vitale à jour au moins une fois par an et après tout changement, en pharmacie ou dans une borne de la
CPAM.
""",
    # Only in English: a French question about it must come back with other_language=True.
    "en/ehic.md": """---
id: ehic
lang: en
title: The European Health Insurance Card (EHIC, CEAM)
summary: The card for care during a stay in another European country.
tags: [EHIC, CEAM, travel, Europe]
sources:
  - https://www.ameli.fr/assure/droits-demarches/europe-international/protection-sociale-etranger/vacances-etranger
last_reviewed: 2026-11-21
---

## Ordering the EHIC

Order the European Health Insurance Card (carte européenne d'assurance maladie, CEAM) from your ameli account at
least 15 days before travelling in Europe. The card is valid for up to 2 years.

Questions:
- How do I order a European health insurance card before a trip?
""",
}


def write_knowledge(root: Path, articles: dict[str, str] = ARTICLES) -> Path:
    for relative, text in articles.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "en").mkdir(parents=True, exist_ok=True)
    (root / "fr").mkdir(parents=True, exist_ok=True)
    return root


def make_settings(tmp_path: Path, threshold: float | None = None) -> Settings:
    return Settings(
        knowledge_dir=tmp_path / "knowledge",
        index_dir=tmp_path / "index",
        embedding_model=BUNDLED_MODEL,
        retrieval_threshold=threshold,
        default_language="en",
        max_message_chars=2000,
    )


@pytest.fixture(scope="session")
def encoder():
    from bot.retrieval.embedding import get_encoder

    return get_encoder(BUNDLED_MODEL)


@pytest.fixture
def kb_settings(tmp_path: Path) -> Settings:
    write_knowledge(tmp_path / "knowledge")
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def built(tmp_path_factory, encoder):
    """One index of the fixture knowledge base, built once and saved (tests that modify files build their own)."""
    from bot.retrieval.index import KnowledgeIndex

    root = tmp_path_factory.mktemp("kb")
    write_knowledge(root / "knowledge")
    settings = make_settings(root)
    KnowledgeIndex.build(settings, encoder).save(settings.index_dir)
    return settings


@pytest.fixture
def retriever(built, encoder):
    from bot.retrieval.index import KnowledgeIndex
    from bot.retrieval.retriever import Retriever, Tuning

    tuning = Tuning.load()
    return Retriever(KnowledgeIndex.load(built.index_dir, built), encoder, tuning)
