"""Two rasa servers behind nginx, sharing PostgreSQL (conversations) and Redis (locks): nothing lost, nothing reordered.

Many conversations talk at once through nginx, which spreads REST requests round robin over both rasa servers, so
consecutive messages of one conversation land on different servers. Some conversations also send two messages at
the same instant: only the lock store keeps those two turns from overwriting each other. Afterwards every
conversation's events are read back from PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import uuid
from collections import Counter
from pathlib import Path

import aiohttp
import socketio

CONVERSATIONS = 40
TURNS = 6
DOUBLE_SENDERS = 10  # conversations that also send two messages at the same instant
MESSAGES = [
    "Hello",
    "Bonjour",
    "How do I get a Carte Vitale?",
    "C'est quoi une mutuelle ?",
    "thanks",
    "merci",
    "What can you do?",
    "Mon dossier est bloqué depuis des mois",
    "What is the participation forfaitaire?",
    "Do I need a médecin traitant?",
    "Comment commander ma Carte Vitale ?",
    "ok",
]


def answered_by(log: Path, start: int) -> Counter[str]:
    """Which rasa server answered each REST request logged after byte `start` of nginx's upstream-only log
    ("$upstream_addr $upstream_status"). A request that failed over lists every server it tried ("a, b 502, 200"):
    the last one answered."""
    lines = log.read_bytes()[start:].decode().splitlines()
    return Counter(re.findall(r"\d+\.\d+\.\d+\.\d+:\d+", line)[-1] for line in lines if line.strip())


async def post(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> list[dict]:
    async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as response:
        assert response.status == 200, f"{sender}: {text!r} got HTTP {response.status}"
        return await response.json()


def said(texts: list[str]) -> str:
    """What the bot said in one turn. The REST channel sends a long answer as one message per paragraph, while the
    store holds it as one bot event, so both sides are compared as their paragraphs joined."""
    return "\n\n".join(texts)


def texts(replies: list[dict]) -> list[str]:
    return [reply["text"] for reply in replies if reply.get("text")]


async def converse(session, url, sender: str, messages: list[str], double: bool) -> list[tuple[str, list[dict]]]:
    """One user's conversation: each message after the previous reply; optionally a pair sent at once at the end."""
    turns = []
    for text in messages:
        await asyncio.sleep(random.uniform(0, 0.05))  # shuffle the interleaving of conversations a little more
        turns.append((text, await post(session, url, sender, text)))
    if double:
        pair = ["What is a mutuelle?", "Qu'est-ce que la PUMa ?"]
        replies = await asyncio.gather(*(post(session, url, sender, text) for text in pair))
        turns += list(zip(pair, replies, strict=True))
    return turns


async def run_all(url: str, plans: dict[str, tuple[list[str], bool]]) -> dict[str, list[tuple[str, list[dict]]]]:
    timeout = aiohttp.ClientTimeout(total=180)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=CONVERSATIONS)) as session:
        results = await asyncio.gather(
            *(converse(session, url, sender, messages, double) for sender, (messages, double) in plans.items())
        )
    return dict(zip(plans, results, strict=True))


def stored_turns(scaleout, sender: str) -> list[tuple[str, list[str]]]:
    """(user text, bot texts) per turn, from the events PostgreSQL holds, in their stored order."""
    with scaleout.pg_connect() as db, db.cursor() as cursor:
        cursor.execute("SELECT data FROM events WHERE sender_id = %s ORDER BY id", (sender,))
        events = [json.loads(row[0]) for row in cursor.fetchall()]
    turns: list[tuple[str, list[str]]] = []
    for index, event in enumerate(events):
        if event["event"] == "user":
            # The previous turn must be finished (the bot listens again) before the next user message is stored.
            previous = [e for e in events[:index] if e["event"] == "action"]
            assert previous and previous[-1]["name"] == "action_listen", f"{sender}: turns overlap at {event['text']!r}"
            turns.append((event["text"], []))
        elif event["event"] == "bot" and turns and event.get("text"):
            turns[-1][1].append(event["text"])
    last = events[-1] if events else {}
    assert last.get("event") == "action" and last.get("name") == "action_listen", f"{sender}: last turn unfinished"
    return turns


def test_interleaved_conversations_through_nginx_are_complete_and_in_order(scaleout):
    rng = random.Random(9)
    plans = {
        f"scaleout-{i}-{uuid.uuid4().hex[:8]}": ([rng.choice(MESSAGES) for _ in range(TURNS)], i < DOUBLE_SENDERS)
        for i in range(CONVERSATIONS)
    }
    log = scaleout.directory / "log" / "nginx-upstream.log"
    start = log.stat().st_size if log.exists() else 0

    sent = asyncio.run(run_all(scaleout.url, plans))

    # Both rasa servers answered a fair share of the messages (nginx round robin, no server failed over).
    requests = sum(len(turns) for turns in sent.values())
    servers = answered_by(log, start)
    assert len(servers) == 2 and sum(servers.values()) == requests, f"answers per rasa server: {servers}"
    assert min(servers.values()) >= requests // 4, f"answers per rasa server: {servers}"

    for sender, turns in sent.items():
        double = plans[sender][1]
        assert all(replies for _, replies in turns), f"{sender}: a message got no reply: {turns}"
        turns = [(text, said(texts(replies))) for text, replies in turns]
        stored = [(text, said(bot_texts)) for text, bot_texts in stored_turns(scaleout, sender)]
        assert len(stored) == len(turns), f"{sender}: {len(turns)} messages sent, {len(stored)} stored"
        # Sequential messages: stored in the order sent, each with exactly the replies the user received.
        assert stored[:TURNS] == turns[:TURNS]
        if double:
            # The pair sent at once: both stored, one whole turn after the other, in either order.
            assert sorted(stored[TURNS:]) == sorted(turns[TURNS:])


def test_socketio_session_sticks_to_one_rasa_server_through_nginx(scaleout):
    """Long polling makes one HTTP request per exchange: each must reach the server that holds the session."""

    async def chat() -> list[dict]:
        client = socketio.AsyncClient(reconnection=False)
        replies: list[dict] = []
        got_reply = asyncio.Event()

        @client.on("bot_uttered")
        async def on_bot_uttered(data):
            replies.append(data)
            got_reply.set()

        await client.connect(scaleout.url, transports=["polling"], socketio_path="socket.io")
        try:
            session_id = uuid.uuid4().hex
            await client.emit("session_request", {"session_id": session_id})
            for text in ("Bonjour", "C'est quoi une mutuelle ?", "merci"):
                got_reply.clear()
                await client.emit("user_uttered", {"message": text, "session_id": session_id})
                await asyncio.wait_for(got_reply.wait(), timeout=60)
                await asyncio.sleep(1)  # let the rest of this turn's messages arrive
        finally:
            await client.disconnect()
        return replies

    replies = asyncio.run(chat())
    assert len([r for r in replies if r.get("text")]) >= 3, replies
