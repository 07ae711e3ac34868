"""bot/text.py: folding, words, the longest-phrase matcher and language codes, as their callers rely on them."""

from __future__ import annotations

import pytest

from bot.text import fold, fold_ascii, language_code, longest_match, words

# ------------------------------------------------------------------------------------------------------ fold


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Salariée !", "salariee"),
        ("ÉTUDIANT", "etudiant"),
        ("  je   suis\tretraité\n", "je suis retraite"),
        ("J’ai un CDI.", "j ai un cdi"),  # typographic and plain apostrophes alike: spaces
        ("j'ai un CDI", "j ai un cdi"),
        ("can't breathe", "can t breathe"),
        ("non-EU citizen, UK", "non-eu citizen uk"),  # hyphens stay (phrases such as "100-sante")
        ("œuvre, ça coûte 30 €", "œuvre ca coute 30"),  # a letter without accent stays; symbols go
        ("", ""),
        ("?!…", ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_is_stable_on_folded_text():
    for text in ("Salariée !", "J’ai un CDI.", "non-EU citizen", "Crise cardiaque ?"):
        assert fold(fold(text)) == fold(text)


def test_fold_keeping_punctuation_only_makes_apostrophes_plain():
    assert fold("J’ai 70 ans, Élodie !", keep_punctuation=True) == "j'ai 70 ans, elodie !"
    assert fold("  deux  espaces ", keep_punctuation=True) == "  deux  espaces "


def test_casefold_folds_further_than_lower_case():
    assert fold("Straße") == "straße"
    assert fold("Straße", casefold=True) == "strasse"
    assert fold("Médecin TRAITANT", casefold=True) == "medecin traitant"


def test_fold_ascii_drops_what_has_no_ascii_form():
    assert fold_ascii("Remboursé !") == "rembourse !"
    assert fold_ascii("œuvre") == "uvre"
    assert fold_ascii("aujourd’hui") == "aujourdhui"  # the BM25 terms of built indexes depend on it
    assert fold_ascii("ÇA") == "ca"


# ----------------------------------------------------------------------------------------------------- words


def test_words_keep_one_inner_apostrophe_made_plain():
    assert words("Qu’est-ce que la CSS ?") == ["qu'est", "ce", "que", "la", "css"]
    assert words("J'ai 2 enfants, d’accord") == ["j'ai", "enfants", "d'accord"]  # digits are no words


def test_words_keep_accents_unless_folded_first():
    assert words("Médecin traitant") == ["médecin", "traitant"]
    assert words(fold("Médecin, j’ai")) == ["medecin", "j", "ai"]


def test_words_of_nothing():
    assert words(None) == []
    assert words("") == []
    assert words("30 € !") == []


# -------------------------------------------------------------------------------------------- longest match

PHRASES = {
    "no_news": ["no news", "nothing", "pas de nouvelles"],
    "documents": ["documents", "missing documents", "pièces manquantes"],
    "lost": ["lost", "file lost"],
}


def test_the_longest_phrase_said_wins():
    assert longest_match("They asked for missing documents", PHRASES) == "documents"
    assert longest_match("no news about the missing documents", PHRASES) == "documents"  # 17 letters beat 7
    assert longest_match("My file lost? No news.", PHRASES) == "lost"  # "file lost" is longer than "no news"
    assert longest_match("nothing lost", PHRASES) == "no_news"  # "nothing" is longer than "lost"


def test_phrases_and_text_are_compared_folded():
    assert longest_match("Toujours PAS DE NOUVELLES !", PHRASES) == "no_news"
    assert longest_match("Pieces manquantes", PHRASES) == "documents"
    assert longest_match("des pièces manquantes", {"x": ["PIECES MANQUANTES"]}) == "x"


def test_phrases_match_whole_words_only():
    assert longest_match("lostness", PHRASES) is None
    assert longest_match("an american", {"year": ["an"]}) == "year"
    assert longest_match("a plan", {"year": ["an"]}) is None


def test_a_tie_goes_to_the_first_key_listed():
    assert longest_match("cat dog", {"first": ["dog"], "second": ["cat"]}) == "first"
    assert longest_match("cat dog", {"second": ["cat"], "first": ["dog"]}) == "second"


def test_ignored_phrases_are_taken_out_first():
    cares = {"gp": ["medecin", "generaliste"], "specialist": ["dermatologue"]}
    assert longest_match("j'ai un médecin traitant", cares) == "gp"
    assert longest_match("j'ai un médecin traitant", cares, ignore=["médecin traitant"]) is None
    assert (
        longest_match("mon médecin traitant m'envoie chez le dermatologue", cares, ignore=["medecin traitant"])
        == "specialist"
    )


def test_no_text_or_no_phrase_said_gives_none():
    assert longest_match(None, PHRASES) is None
    assert longest_match("", PHRASES) is None
    assert longest_match("!!!", {"empty": ["", "?"]}) is None  # an empty phrase is never said
    assert longest_match("hello", PHRASES) is None


# ------------------------------------------------------------------------------------------- language codes


@pytest.mark.parametrize(
    "code, expected",
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("FR_be", "fr"),
        ("français", "fr"),
        ("en-GB", "en"),
        ("English", "en"),
        ("anglais", "en"),
        (" fr ", "fr"),
        ("de", None),
        ("", None),
        (None, None),
        (3, None),
    ],
)
def test_language_codes_are_normalised(code, expected):
    assert language_code(code) == expected


@pytest.mark.parametrize(
    "tag, expected",
    [
        ("fr", "fr"),
        ("fr-FR", "fr"),
        ("fr_CA", "fr"),
        ("EN-us", "en"),
        ("en", "en"),
        ("de-DE", None),
        ("French", None),
        ("english", None),
        ("frr", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_language_tags_count_by_their_primary_subtag(tag, expected):
    assert language_code(tag, names=False) == expected
