"""What the channels do to user input before Rasa sees it."""

from bot.safety.guard import EMPTY_TRIGGER, TOO_LONG_TRIGGER, guard_text


def test_normal_text_is_kept_trimmed():
    assert guard_text("  Comment avoir ma carte vitale ?  ") == "Comment avoir ma carte vitale ?"


def test_empty_whitespace_and_non_text_become_the_empty_trigger():
    for value in ("", "   \n\t", None, 42, {"a": 1}, "\x00\x01"):
        assert guard_text(value) == EMPTY_TRIGGER


def test_over_long_text_becomes_the_too_long_trigger(monkeypatch):
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "100")
    assert guard_text("a" * 101) == TOO_LONG_TRIGGER
    assert guard_text("a" * 100) == "a" * 100


def test_invalid_utf8_bytes_do_not_crash():
    assert guard_text(b"caf\xc3\xa9 \xff") == "café \ufffd"


def test_emoji_only_is_passed_on():
    assert guard_text("😀🙏") == "😀🙏"


def test_control_characters_are_removed_but_line_breaks_kept():
    assert guard_text("hello\x07 world\nbye") == "hello world\nbye"


def test_intent_payloads_from_buttons_pass_through():
    assert guard_text('/inform{"situation": "student"}') == '/inform{"situation": "student"}'


def test_json_nested_too_deeply_is_refused_without_a_recursion_error():
    import pytest

    from bot.safety.guard import MAX_JSON_DEPTH, TooDeep, loads_bounded, too_deep_message

    with pytest.raises(TooDeep):
        loads_bounded('{"sender": "a", "metadata": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(TooDeep):
        loads_bounded("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    deepest = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert loads_bounded(deepest) == loads_bounded(deepest)  # the limit itself is accepted
    assert loads_bounded('{"sender": "a", "metadata": {"language": "fr"}}')["metadata"] == {"language": "fr"}
    assert "trop imbriquées" in too_deep_message("fr") and "nested too deeply" not in too_deep_message("fr")
    both = too_deep_message(None)
    assert "nested too deeply" in both and "trop imbriquées" in both
