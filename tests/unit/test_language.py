"""Which language the assistant answers in."""

import pytest

from bot.understanding.language import choose_language, identify


def choose(text, current=None, pinned=False, explicit=None, hint=None):
    return choose_language(current=current, pinned=pinned, explicit=explicit, channel_hint=hint, text=text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Comment obtenir ma carte vitale ?", "fr"),
        ("How do I get a carte vitale?", "en"),
        ("Combien je paie chez le dermatologue à 50 euros sans mutuelle ?", "fr"),
        ("How much will I get back for a €30 GP visit? I have a médecin traitant and no mutuelle", "en"),
        ("je suis étudiant", "fr"),
        ("I lost my carte vitale", "en"),
        # English grammar around French subject words: lingua alone read the first two as French
        ("What is the participation forfaitaire?", "en"),
        ("I don't have a mutuelle", "en"),
        ("How do I renew my titre de séjour?", "en"),
        ("I am an au pair, how do I get insured?", "en"),
        ("Qu’est-ce que la PUMa ?", "fr"),
        ("c est quoi le tiers payant", "fr"),
    ],
)
def test_sentences_are_identified_even_with_french_admin_terms(text, expected):
    assert identify(text).language == expected


@pytest.mark.parametrize("word", ["ok", "merci", "thanks", "OK!", "d'accord", "super", "mutuelle", "CPAM", "123", "😀"])
def test_neutral_words_never_flip_an_ongoing_conversation(word):
    assert choose(word, current="en").language == "en"
    assert choose(word, current="fr").language == "fr"


def test_first_greeting_sets_the_language():
    assert choose("Bonjour").language == "fr"
    assert choose("Hello").language == "en"
    assert choose("Bonjour !").reason == "greeting"


def test_first_thanks_sets_the_language_but_never_changes_it_later():
    assert choose("merci").language == "fr"
    assert choose("Thanks!").language == "en"
    assert choose("merci", current="en").language == "en"


def test_a_mixed_message_keeps_the_conversation_language():
    assert choose("ma carte vitale is lost", current="fr").language == "fr"
    assert choose("ma carte vitale is lost", current="en").language == "en"


def test_an_english_question_about_a_french_term_switches_a_french_conversation():
    assert choose("What is the participation forfaitaire?", current="fr").language == "en"


def test_a_full_sentence_switches_an_ongoing_conversation():
    choice = choose("Je voudrais savoir comment déclarer mon médecin traitant", current="en")
    assert (choice.language, choice.pinned) == ("fr", False)


def test_explicit_switch_beats_hint_and_text_and_pins_the_language():
    choice = choose("please answer in French", current="en", explicit="fr", hint="en")
    assert (choice.language, choice.pinned, choice.reason) == ("fr", True, "explicit")
    later = choose("What is a mutuelle and do I need one?", current="fr", pinned=True, hint="en")
    assert later.language == "fr" and later.pinned


def test_a_message_clearly_in_one_language_beats_the_channel_hint():
    assert choose("How do I get my card?", hint="fr-FR").language == "en"
    assert choose("Comment avoir ma carte ?", hint="en").language == "fr"
    assert choose("Bonjour, c'est quoi une mutuelle ?", hint="en").language == "fr"


def test_the_channel_hint_decides_short_or_ambiguous_messages():
    assert choose("carte vitale ?", hint="en").language == "en"
    assert choose("ok merci", hint="en").language == "en"
    assert choose("mutuelle", current="fr", hint="en").language == "en"


def test_unusable_hint_is_ignored():
    assert choose("Comment avoir ma carte vitale ?", hint="de").language == "fr"


def test_default_language_when_nothing_is_known():
    assert choose("ok").language == "en"
    assert (
        choose_language(current=None, pinned=False, explicit=None, channel_hint=None, text="", default="fr").language
        == "fr"
    )
