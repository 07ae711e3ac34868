"""The Telegram connector end to end: real Update JSON posted to the webhook Rasa mounts, replies checked on a fake
Bot API on loopback. The agent is a scripted stand-in, so no trained model is needed; everything else is real
(Rasa's channel registration and output dispatch, aiogram's HTTP calls, the Sanic server)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest
from telegram_fakes import (
    SECRET,
    TOKEN,
    FakeBotApi,
    ScriptedAgent,
    callback_update,
    channel_post_update,
    edited_update,
    entity_text,
    free_port,
    group_update,
    rasa_channel_server,
    sticker_update,
    telegram_env,
    text_update,
)

from rasa_server.telegram_config import SECRET_HEADER

WEBHOOK = "/webhooks/telegram/webhook"

GREETING = {
    "en": "**Welcome!** I help you join the French health system. Start at [ameli.fr](https://www.ameli.fr).",
    "fr": "**Bienvenue !** Je vous aide à rejoindre l'Assurance Maladie. Commencez sur [ameli.fr](https://www.ameli.fr).",
}
QUESTION = {"en": "Are you employed in France?", "fr": "Travaillez-vous en France ?"}
YES_NO = {
    "en": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
    "fr": [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}],
}


def dialogue(text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """A tiny dialogue answering in the language the channel hinted (English by default)."""
    language = metadata.get("language", "en")
    if text == "/greet":
        return [{"text": GREETING[language]}, {"text": QUESTION[language], "buttons": YES_NO[language]}]
    if text == "/affirm":
        return [{"text": "- Register with the **CPAM**\n- Ask for a Carte Vitale"}]
    return [{"text": f"echo: {text}"}]


async def post(base: str, update: Any, secret: str | None = SECRET, raw: bytes | None = None) -> tuple[int, Any]:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession() as session:
        if raw is not None:
            headers["Content-Type"] = "application/json"
            request = session.post(base + WEBHOOK, data=raw, headers=headers)
        else:
            request = session.post(base + WEBHOOK, json=update, headers=headers)
        async with request as reply:
            return reply.status, await reply.json(content_type=None)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_reply_is_sent_as_formatted_text_to_the_users_chat(fake_api: FakeBotApi) -> None:
    agent = ScriptedAgent(dialogue)

    async def scenario() -> int:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            status, _ = await post(base, text_update("/start", "en-GB", user_id=5150))
            return status

    assert run(scenario()) == 200
    assert [(m.text, m.sender_id, m.metadata, m.input_channel) for m in agent.received] == [
        ("/greet", "5150", {"language": "en"}, "telegram")
    ]
    welcome, question = fake_api.sent_messages()
    assert welcome["chat"]["id"] == 5150
    assert welcome["text"] == "Welcome! I help you join the French health system. Start at ameli.fr."
    bold, link = welcome["entities"]
    assert (bold["type"], entity_text(welcome, bold)) == ("bold", "Welcome!")
    assert (link["type"], entity_text(welcome, link), link["url"]) == ("text_link", "ameli.fr", "https://www.ameli.fr")
    assert all(call.params["parse_mode"] == "HTML" for call in fake_api.calls_to("sendMessage"))
    assert question["reply_markup"] == {
        "inline_keyboard": [[{"text": "Yes", "callback_data": "/affirm"}, {"text": "No", "callback_data": "/deny"}]]
    }


def test_french_language_code_gets_the_french_reply(fake_api: FakeBotApi) -> None:
    agent = ScriptedAgent(dialogue)

    async def scenario() -> None:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            await post(base, text_update("/start", "fr"))
            await post(base, text_update("/start", "de"))  # no hint: the dialogue's default language

    run(scenario())
    assert [m.metadata for m in agent.received] == [{"language": "fr"}, {}]
    texts = [message["text"] for message in fake_api.sent_messages()]
    assert texts[:2] == ["Bienvenue ! Je vous aide à rejoindre l'Assurance Maladie. Commencez sur ameli.fr.",
                         "Travaillez-vous en France ?"]  # fmt: skip
    assert texts[2].startswith("Welcome!")
    oui_non = fake_api.sent_messages()[1]["reply_markup"]["inline_keyboard"][0]
    assert [button["text"] for button in oui_non] == ["Oui", "Non"]


def test_pressing_a_button_sends_its_payload_and_answers_the_callback(fake_api: FakeBotApi) -> None:
    agent = ScriptedAgent(dialogue)

    async def scenario() -> int:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            await post(base, text_update("/start", "en"))
            question = fake_api.sent_messages()[-1]
            yes = question["reply_markup"]["inline_keyboard"][0][0]
            status, _ = await post(base, callback_update(question, yes["callback_data"], "en"))
            return status

    assert run(scenario()) == 200
    assert [m.text for m in agent.received] == ["/greet", "/affirm"]
    (answer,) = fake_api.calls_to("answerCallbackQuery")
    assert answer.status == 200 and answer.params["text"] == "Yes"  # the client shows which button was taken
    (edit,) = fake_api.calls_to("editMessageReplyMarkup")
    question = fake_api.sent_messages()[1]
    assert (int(edit.params["chat_id"]), int(edit.params["message_id"])) == (4242, question["message_id"])
    assert "reply_markup" not in edit.params  # the used keyboard is removed
    steps = fake_api.sent_messages()[-1]
    assert steps["text"] == "• Register with the CPAM\n• Ask for a Carte Vitale"
    assert [entity_text(steps, e) for e in steps["entities"]] == ["CPAM"]


def test_a_payload_longer_than_telegram_allows_still_round_trips(fake_api: FakeBotApi) -> None:
    long_payload = '/inform{"situation":"student","country_of_origin":"outside the European Union"}'
    agent = ScriptedAgent(
        lambda text, _: [{"text": "Your situation?", "buttons": [{"title": "Student", "payload": long_payload}]}]
        if text == "/greet" else []
    )  # fmt: skip

    async def scenario() -> None:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            await post(base, text_update("/start"))
            sent = fake_api.sent_messages()[-1]  # accepted: the fake refuses callback data over 64 bytes
            await post(base, callback_update(sent, sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]))

    run(scenario())
    assert [m.text for m in agent.received] == ["/greet", long_payload]


def test_webhook_refuses_requests_without_the_secret(fake_api: FakeBotApi) -> None:
    agent = ScriptedAgent(dialogue)

    async def scenario() -> list[int]:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            return [
                (await post(base, text_update("/start"), secret=None))[0],
                (await post(base, text_update("/start"), secret="wrong-secret"))[0],
                (await post(base, text_update("/start"), secret=SECRET[:-1]))[0],
            ]

    assert run(scenario()) == [403, 403, 403]
    assert agent.received == [] and fake_api.calls == []


def test_without_a_secret_configured_the_webhook_refuses_everything(fake_api: FakeBotApi) -> None:
    agent = ScriptedAgent(dialogue)

    async def scenario() -> list[int]:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url, TELEGRAM_SECRET_TOKEN="")) as base:
            return [(await post(base, text_update("/start"), secret=""))[0],
                    (await post(base, text_update("/start"), secret=None))[0]]  # fmt: skip

    assert run(scenario()) == [403, 403]
    assert agent.received == []


def test_a_reply_over_4096_characters_arrives_in_several_valid_messages(fake_api: FakeBotApi) -> None:
    sentence = "Les soins sont remboursés sur la base du tarif de convention."
    paragraphs = [f"**Part {n}.** " + " ".join([sentence] * 20) for n in range(1, 9)]
    long_text = "\n\n".join(paragraphs)
    agent = ScriptedAgent(lambda text, _: [{"text": long_text, "buttons": YES_NO["en"]}])

    async def scenario() -> None:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            await post(base, text_update("tell me everything"))

    run(scenario())
    attempts = fake_api.calls_to("sendMessage")
    assert len(attempts) >= 3 and all(call.status == 200 for call in attempts)  # the fake refuses > 4,096
    sent = fake_api.sent_messages()
    assert "\n\n".join(message["text"] for message in sent) == long_text.replace("**", "")
    assert [("reply_markup" in message) for message in sent] == [False] * (len(sent) - 1) + [True]
    bold = [entity_text(message, e) for message in sent for e in message.get("entities", [])]
    assert bold == [f"Part {n}." for n in range(1, 9)]


def test_commands_reach_the_dialogue_as_intents(fake_api: FakeBotApi) -> None:
    agent = ScriptedAgent(lambda text, _: [])

    async def scenario() -> None:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            for typed in ("/language", "/language fr", "/delete", "/help"):
                await post(base, text_update(typed))

    run(scenario())
    assert [m.text for m in agent.received] == [
        "/switch_language",
        '/switch_language{"language":"fr"}',
        "/delete_my_data",
        "help",
    ]


def test_unsupported_updates_are_acknowledged_and_ignored(fake_api: FakeBotApi) -> None:
    agent = ScriptedAgent(dialogue)
    updates = [sticker_update(), edited_update("edited"), channel_post_update("news"), group_update("hello group")]

    async def scenario() -> list[tuple[int, Any]]:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            return [await post(base, update) for update in updates]

    results = run(scenario())
    assert [status for status, _ in results] == [200] * 4  # Telegram must not resend them
    assert agent.received == [] and fake_api.calls == []


def test_malformed_bodies_are_refused_without_reaching_the_dialogue(fake_api: FakeBotApi) -> None:
    agent = ScriptedAgent(dialogue)

    async def scenario() -> list[int]:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            return [
                (await post(base, None, raw=b"{not json"))[0],
                (await post(base, ["update"]))[0],
                (await post(base, {"message": {"text": "no update_id"}}))[0],
                (await post(base, None, raw=b'{"update_id": 1, "x": "' + b"a" * 300_000 + b'"}'))[0],
            ]

    assert run(scenario()) == [400, 400, 400, 413]
    assert agent.received == []


def test_an_update_sent_twice_is_handled_once(fake_api: FakeBotApi) -> None:
    agent = ScriptedAgent(dialogue)
    update = text_update("hello")

    async def scenario() -> None:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            await post(base, update)
            await post(base, update)

    run(scenario())
    assert [m.text for m in agent.received] == ["hello"]


def test_letters_citations_images_and_unknown_custom_payloads(fake_api: FakeBotApi) -> None:
    letter = "Madame, Monsieur,\n\nJe vous prie de <bien vouloir> ...\n\nCordialement"
    replies = [
        {"custom": {"type": "letter", "title": "Letter to your CPAM", "text": letter}},
        {"custom": {"type": "some_widget_only_the_web_knows", "data": [1, 2]}},
        {"image": "https://www.example.org/carte-vitale.png"},
        {
            "custom": {
                "type": "citation",
                "id": "carte-vitale",
                "lang": "en",
                "title": "The Carte Vitale > Lost card",
                "source": "https://www.ameli.fr/assure",
                "last_reviewed": "2026-11-23",
            }
        },
    ]
    agent = ScriptedAgent(lambda text, _: replies)

    async def scenario() -> None:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            await post(base, text_update("write the letter"))

    run(scenario())
    sent, source = fake_api.sent_messages()
    kinds = {entity["type"]: entity_text(sent, entity) for entity in sent["entities"]}
    assert kinds == {"bold": "Letter to your CPAM", "pre": letter}
    assert source["text"] == "📚 The Carte Vitale > Lost card"
    (link,) = source["entities"]
    assert (entity_text(source, link), link["url"]) == ("The Carte Vitale > Lost card", "https://www.ameli.fr/assure")
    (photo,) = fake_api.calls_to("sendPhoto")
    assert photo.params["photo"] == "https://www.example.org/carte-vitale.png"


def test_refused_formatting_falls_back_to_plain_text_and_rate_limits_are_waited_out(fake_api: FakeBotApi) -> None:
    agent = ScriptedAgent(lambda text, _: [{"text": "**Bold** reply"}, {"text": "second"}])
    fake_api.fail("sendMessage", 400, "Bad Request: can't parse entities: Unsupported start tag")

    async def scenario() -> None:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            await post(base, text_update("one"))
            fake_api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
            await post(base, text_update("two"))

    run(scenario())
    texts = [message["text"] for message in fake_api.sent_messages()]
    assert texts == ["Bold reply", "second", "Bold reply", "second"]
    first_retry = fake_api.calls_to("sendMessage")[1]
    assert "parse_mode" not in first_retry.params


def test_starts_and_keeps_answering_webhooks_while_telegram_is_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    agent = ScriptedAgent(dialogue)
    unreachable = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    async def scenario() -> list[int]:
        async with rasa_channel_server(agent, telegram_env(unreachable)) as base:
            async with aiohttp.ClientSession() as session, session.get(base + "/webhooks/telegram/") as health:
                assert (await health.json())["enabled"] is True
            return [(await post(base, text_update("/start")))[0], (await post(base, text_update("still there?")))[0]]

    with caplog.at_level(logging.DEBUG):
        statuses = run(scenario())
    assert statuses == [200, 200]
    assert [m.text for m in agent.received] == ["/greet", "still there?"]
    failures = [r for r in caplog.records if r.name == "rasa_server.telegram" and r.levelno >= logging.ERROR]
    assert failures, "failed sends must be logged"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert TOKEN not in logged and "still there?" not in logged


def test_without_a_token_the_channel_is_off_and_nothing_breaks(fake_api: FakeBotApi) -> None:
    agent = ScriptedAgent(dialogue)

    async def scenario() -> tuple[int, Any, int]:
        async with (
            rasa_channel_server(agent, {}) as base,
            aiohttp.ClientSession() as session,
            session.get(base + "/webhooks/telegram/") as health,
        ):
            status, _ = await post(base, text_update("/start"))
            return health.status, await health.json(), status

    health_status, health, webhook_status = run(scenario())
    assert (health_status, health["enabled"], webhook_status) == (200, False, 503)
    assert agent.received == []


def test_a_malformed_token_turns_the_channel_off_and_says_why_without_quoting_it(
    fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    agent = ScriptedAgent(dialogue)

    async def scenario() -> int:
        env = telegram_env(fake_api.base_url, TELEGRAM_TOKEN="pasted the wrong thing")
        async with rasa_channel_server(agent, env) as base:
            return (await post(base, text_update("/start")))[0]

    with caplog.at_level(logging.INFO):
        assert run(scenario()) == 503
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "TELEGRAM_TOKEN" in logged and "pasted the wrong thing" not in logged
    assert agent.received == [] and fake_api.calls == []
