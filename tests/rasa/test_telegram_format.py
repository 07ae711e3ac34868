"""Formatting, splitting, commands and update reading for Telegram: the plain functions behind the connector."""

from __future__ import annotations

import random

import pytest
from telegram_fakes import (
    _TelegramHtml,
    callback_update,
    channel_post_update,
    edited_update,
    group_update,
    sticker_update,
    text_update,
)

from bot.safety.guard import EMPTY_TRIGGER, TOO_LONG_TRIGGER
from rasa_server.telegram_config import TelegramConfig
from rasa_server.telegram_format import (
    CALLBACK_DATA_LIMIT,
    ButtonPayloads,
    keyboard_rows,
    split_html,
    to_html,
    to_plain,
)
from rasa_server.telegram_updates import command_message, language_hint, parse_update


def visible_length(markup: str) -> int:
    """Length of the text a user sees, as Telegram measures it against its limit (UTF-16 code units)."""
    return len(to_plain(markup).encode("utf-16-le")) // 2


def parse(markup: str) -> tuple[str, list[dict]]:
    """What Telegram would show for this HTML (raises if Telegram would refuse it)."""
    parser = _TelegramHtml()
    parser.feed(markup)
    return parser.result()


def covered(text: str, entity: dict) -> str:
    encoded = text.encode("utf-16-le")
    return encoded[2 * entity["offset"] : 2 * (entity["offset"] + entity["length"])].decode("utf-16-le")


# --- to_html ---------------------------------------------------------------------------------------------------


def test_markdownish_reply_becomes_telegram_entities() -> None:
    text, entities = parse(to_html("**Carte Vitale**: see [ameli.fr](https://www.ameli.fr/assure?a=1&b=2) _now_"))
    assert text == "Carte Vitale: see ameli.fr now"
    kinds = {(entity["type"], covered(text, entity)) for entity in entities}
    assert kinds == {("bold", "Carte Vitale"), ("text_link", "ameli.fr"), ("italic", "now")}
    link = next(entity for entity in entities if entity["type"] == "text_link")
    assert link["url"] == "https://www.ameli.fr/assure?a=1&b=2"


def test_characters_meaningful_in_html_are_shown_as_typed() -> None:
    typed = "Costs < 30 € & more > less; 2 * 3 = 6; snake_case_name; <script>alert(1)</script>"
    text, entities = parse(to_html(typed))
    assert text == typed
    assert entities == []


def test_bullets_headings_and_line_breaks_survive() -> None:
    text, entities = parse(to_html("## Steps\n- Register with **CPAM**\n* Get a Carte Vitale\n\nDone."))
    assert text.splitlines() == ["Steps", "• Register with CPAM", "• Get a Carte Vitale", "", "Done."]
    assert {covered(text, e) for e in entities if e["type"] == "bold"} == {"Steps", "CPAM"}


def test_only_web_and_telegram_links_become_links() -> None:
    text, entities = parse(to_html("[click](javascript:alert(1)) [here](/relative) [ok](https://www.ameli.fr)"))
    assert [entity["url"] for entity in entities if entity["type"] == "text_link"] == ["https://www.ameli.fr"]
    assert "javascript" in text  # shown as typed, never a link


def test_fenced_block_is_preformatted() -> None:
    text, entities = parse(to_html("Letter:\n```\nMadame, Monsieur,\n  <n° de sécurité sociale>\n```"))
    pre = [entity for entity in entities if entity["type"] == "pre"]
    assert len(pre) == 1
    assert covered(text, pre[0]) == "Madame, Monsieur,\n  <n° de sécurité sociale>"


# --- split_html ------------------------------------------------------------------------------------------------


def test_a_short_reply_is_one_message_unchanged() -> None:
    markup = to_html("**Hello**, how can I help?")
    assert split_html(markup) == [markup]


def test_long_reply_is_cut_at_paragraphs_with_every_part_valid() -> None:
    paragraph = "**Point.** " + "La PUMa couvre les frais de santé. " * 60
    markup = to_html("\n\n".join(f"{paragraph}{number}" for number in range(8)))
    parts = split_html(markup)
    assert len(parts) > 1
    for part in parts:
        text, _ = parse(part)
        assert visible_length(part) <= 4096
        assert text.endswith(tuple("01234567"))  # cut between paragraphs, not inside one
    assert "\n\n".join(parse(part)[0] for part in parts) == parse(markup)[0]


def test_formatting_that_spans_a_cut_is_closed_and_reopened() -> None:
    markup = "<b>" + "mot " * 2000 + '</b><a href="https://www.ameli.fr">lien</a>'
    parts = split_html(markup)
    assert len(parts) == 2
    for part in parts:
        parse(part)  # balanced tags, or this raises
        assert part.startswith("<b>")
    assert parse(parts[-1])[1][-1]["url"] == "https://www.ameli.fr"


def test_emoji_count_as_two_characters_like_telegram_counts_them() -> None:
    markup = "🙂" * 3000  # 6,000 UTF-16 units
    parts = split_html(markup)
    assert [visible_length(part) for part in parts] == [4096, 6000 - 4096]
    assert "".join(parts) == markup


def test_an_unbroken_word_longer_than_a_message_is_still_cut() -> None:
    parts = split_html("x" * 9000)
    assert [len(part) for part in parts] == [4096, 4096, 808]


@pytest.mark.parametrize("seed", range(20))
def test_random_replies_split_into_valid_parts_that_keep_every_word(seed: int) -> None:
    rng = random.Random(seed)
    words = ["santé", "**CPAM**", "[ameli](https://www.ameli.fr)", "<&>", "🙂", "_mutuelle_", "\n", "\n\n", "- item"]
    text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4000)))
    markup = to_html(text)
    limit = rng.choice([50, 500, 4096])
    parts = split_html(markup, limit)
    for part in parts:
        parse(part)
        assert 0 < visible_length(part) <= limit
    assert " ".join(to_plain(part) for part in parts).split() == to_plain(markup).split()


# --- buttons ---------------------------------------------------------------------------------------------------


def test_long_button_payloads_travel_as_a_short_key() -> None:
    payloads = ButtonPayloads()
    long_payload = '/ask_question{"topic":"carte_vitale","detail":"lost card abroad while travelling"}'
    data = payloads.callback_data(long_payload)
    assert len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT
    assert payloads.payload(data) == long_payload
    assert payloads.callback_data("/affirm") == "/affirm"
    assert payloads.payload("#unknown-key") is None


def test_keyboard_layout_follows_the_buttons() -> None:
    payloads = ButtonPayloads()
    short = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    assert [len(row) for row in keyboard_rows(short, payloads)] == [2]
    long_titles = [{"title": "I am employed in France", "payload": "/a"}, {"title": "I am a student", "payload": "/b"}]
    assert [len(row) for row in keyboard_rows(long_titles, payloads)] == [1, 1]
    links = keyboard_rows([{"title": "ameli", "payload": "https://www.ameli.fr"}], payloads)
    assert links == [[{"text": "ameli", "url": "https://www.ameli.fr"}]]


# --- language and commands -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, hint",
    [("fr", "fr"), ("fr-FR", "fr"), ("fr-ca", "fr"), ("en", "en"), ("en-GB", "en"), ("de", None), ("", None),
     (None, None), ("french", None)],
)  # fmt: skip
def test_language_code_gives_a_hint_only_for_english_and_french(code: object, hint: str | None) -> None:
    assert language_hint(code) == hint


@pytest.mark.parametrize(
    "typed, message",
    [
        ("/start", "/greet"),
        ("/start@ExpatSanteBot", "/greet"),
        ("/delete", "/delete_my_data"),
        ("/language", "/switch_language"),
        ("/language fr", '/switch_language{"language":"fr"}'),
        ("/language English", '/switch_language{"language":"en"}'),
        ("/language klingon", "/switch_language"),
        ("/unknown", None),
        ("hello", None),
    ],
)
def test_commands_map_to_the_dialogue_intents(typed: str, message: str | None) -> None:
    assert command_message(typed) == message


# --- reading updates -------------------------------------------------------------------------------------------


def test_a_typed_message_reaches_the_dialogue_with_its_language() -> None:
    incoming = parse_update(text_update("Comment obtenir ma carte Vitale ?", "fr-FR", user_id=77))
    assert incoming is not None
    assert (incoming.chat_id, incoming.text, incoming.metadata) == (
        77,
        "Comment obtenir ma carte Vitale ?",
        {"language": "fr"},
    )


def test_typed_intent_syntax_is_read_as_words() -> None:
    incoming = parse_update(text_update('/switch_language{"language":"de"}'))
    assert incoming is not None and not incoming.text.startswith("/")


@pytest.mark.parametrize(
    "update", [sticker_update(), edited_update("changed"), channel_post_update("news"), group_update("hi all"),
               {"update_id": 1, "my_chat_member": {}}, {"update_id": 2}, "not an update"],
)  # fmt: skip
def test_unsupported_updates_are_ignored(update: object) -> None:
    assert parse_update(update) is None


def test_media_without_text_and_overlong_text_become_triggers() -> None:
    photo = text_update("x")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "a", "file_unique_id": "b", "width": 1, "height": 1}]
    assert parse_update(photo).text == EMPTY_TRIGGER
    assert parse_update(text_update("a" * 100_000)).text == TOO_LONG_TRIGGER


def test_a_button_press_after_a_restart_falls_back_to_the_button_title() -> None:
    sent = {
        "message_id": 5,
        "chat": {"id": 4242, "type": "private"},
        "date": 1,
        "text": "Which one?",
        "reply_markup": {"inline_keyboard": [[{"text": "Student", "callback_data": "#0123abcd"}]]},
    }
    incoming = parse_update(callback_update(sent, "#0123abcd", "fr"), ButtonPayloads())
    assert incoming is not None
    assert (incoming.text, incoming.button_title, incoming.language) == ("Student", "Student", "fr")
    assert incoming.callback_query_id and incoming.callback_message_id == 5


def test_secrets_never_show_in_the_configuration_repr() -> None:
    config = TelegramConfig.from_env({"TELEGRAM_TOKEN": "42:abc-DEF", "TELEGRAM_SECRET_TOKEN": "topsecret"})
    assert "abc-DEF" not in repr(config) and "topsecret" not in repr(config)
    assert config.redact("url /bot42:abc-DEF/sendMessage topsecret") == "url /bot***/sendMessage ***"
    assert config.problems() == []
    assert TelegramConfig.from_env({"TELEGRAM_TOKEN": "42:abc"}).problems()  # no secret: refused, and said so


# --- The cost answer: a compact breakdown and a "How this is calculated" button -----------------------------------


def _cost_payload(lang: str) -> dict:
    from bot.guidance.cost import build_cost_answer

    slots = {"care": "gp", "price": "30", "medecin_traitant": "yes", "mutuelle": "none"}
    return build_cost_answer(slots, lang).payload


@pytest.mark.parametrize(
    "lang, lines, button",
    [
        ("en", ["Sécurité sociale: €19.00", "Complementary cover: €0.00", "You: €11.00"], "How this is calculated"),
        ("fr", ["Sécurité sociale : 19,00 €", "Complémentaire : 0,00 €", "Vous : 11,00 €"], "Détail du calcul"),
    ],
)
def test_a_cost_breakdown_is_three_lines_and_a_details_button(lang, lines, button):
    from rasa_server.telegram_format import DETAILS_PREFIX, CostDetails, cost_breakdown, details_keyboard

    payload = _cost_payload(lang)
    text, _ = parse(cost_breakdown(payload))
    assert text.split("\n") == lines
    details = CostDetails()
    [[key]] = details_keyboard(payload, details)
    assert key["text"] == button
    assert key["callback_data"].startswith(DETAILS_PREFIX) and len(key["callback_data"].encode()) <= CALLBACK_DATA_LIMIT
    assert details.get(key["callback_data"]) == (payload["details"], lang)
    # The details render as a Telegram message with the numbered steps and bullet lists kept.
    shown, _ = parse(to_html(payload["details"]))
    assert "\n1. " in shown and "\n• " in shown


def test_a_details_button_press_is_for_the_channel_not_the_dialogue():
    payload = _cost_payload("en")
    from rasa_server.telegram_format import CostDetails, details_keyboard

    [[key]] = details_keyboard(payload, CostDetails())
    sent = {"message_id": 7, "chat": {"id": 4242, "type": "private"}, "reply_markup": {"inline_keyboard": [[key]]}}
    incoming = parse_update(callback_update(sent, key["callback_data"]), ButtonPayloads())
    assert incoming.text is None and incoming.details_key == key["callback_data"]
    assert incoming.button_title == "How this is calculated"


def test_a_breakdown_without_parts_or_details_sends_nothing_extra():
    from rasa_server.telegram_format import CostDetails, cost_breakdown, details_keyboard

    assert cost_breakdown({"type": "cost_breakdown", "parts": []}) is None
    assert details_keyboard({"type": "cost_breakdown", "lang": "en"}, CostDetails()) == []
    capped = CostDetails(capacity=2)
    keys = [capped.key_for(f"details {i}", "en") for i in range(3)]
    assert capped.get(keys[0]) is None and capped.get(keys[2]) == ("details 2", "en")
