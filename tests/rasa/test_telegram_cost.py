"""A cost answer on Telegram, end to end: headline, a compact breakdown with a "How this is calculated" button, the
main assumption; pressing the button shows the calculation without going through the dialogue."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from telegram_fakes import (
    SECRET,
    FakeBotApi,
    ScriptedAgent,
    callback_update,
    rasa_channel_server,
    telegram_env,
    text_update,
)

from bot.guidance.cost import build_cost_answer
from rasa_server.telegram_config import SECRET_HEADER

WEBHOOK = "/webhooks/telegram/webhook"


def cost_reply(text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """What action_cost_answer sends (actions/cost.py send_cost_answer), in the channel's language."""
    lang = metadata.get("language", "en")
    answer = build_cost_answer({"care": "gp", "price": "30", "medecin_traitant": "yes", "mutuelle": "none"}, lang)
    return [{"text": answer.headline}, {"custom": answer.payload}, {"text": answer.assumption}]


async def post(base: str, update: Any) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(base + WEBHOOK, json=update, headers={SECRET_HEADER: SECRET}) as reply,
    ):
        return reply.status


def test_the_details_are_one_button_away(fake_api: FakeBotApi) -> None:
    agent = ScriptedAgent(cost_reply)

    async def scenario() -> None:
        async with rasa_channel_server(agent, telegram_env(fake_api.base_url)) as base:
            await post(base, text_update("Combien pour un généraliste à 30 € ?", "fr"))
            breakdown = fake_api.sent_messages()[1]
            button = breakdown["reply_markup"]["inline_keyboard"][0][0]
            assert button["text"] == "Détail du calcul"
            await post(base, callback_update(breakdown, button["callback_data"], "fr"))
            await post(base, callback_update(breakdown, "~" + "0" * 40, "fr"))  # a key from before a restart

    asyncio.run(scenario())
    headline, breakdown, assumption, details, gone = [m["text"] for m in fake_api.sent_messages()]
    assert headline.startswith("La Sécurité sociale rembourse 19,00 €") and "11,00 €" in headline
    assert breakdown.split("\n") == ["Sécurité sociale : 19,00 €", "Complémentaire : 0,00 €", "Vous : 11,00 €"]
    assert assumption.startswith("Hypothèse :")
    assert "\n1. Prix facturé : 30,00 €." in details and "Reste à votre charge : 11,00 €" in details
    assert "Source officielle" in details and "magnolia" not in details
    assert gone.startswith("Ce détail n'est plus disponible")
    assert [m.text for m in agent.received] == ["Combien pour un généraliste à 30 € ?"]  # presses stay in the channel
    assert len(fake_api.calls_to("answerCallbackQuery")) == 2
