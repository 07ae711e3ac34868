"""The web widget against the real servers, in headless Chromium: what a user sees and can do."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml
from playwright.sync_api import Page, expect

from conftest import ACTIONS_PYTHON, REPLY_TIMEOUT_MS, ROOT, response_text, shot

BOT = ".es-msg.es-from-bot:not(.es-welcome)"
HOSTILE = "<img src=x onerror=alert(1)>"


class Chat:
    """The widget as a user drives it (Playwright's CSS locators reach into its open shadow root)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.bot = page.locator(BOT)
        self.user = page.locator(".es-msg.es-from-user")

    def open_page(self, url: str) -> "Chat":
        self.page.goto(url)
        expect(self.page.locator(".es-launcher")).to_be_attached()
        return self

    def open(self) -> "Chat":
        self.page.locator(".es-launcher").click()
        expect(self.page.locator(".es-panel")).to_be_visible()
        return self

    def ask(self, text: str) -> None:
        """Type a message, send it with Enter, and wait until the bot has answered and stopped typing."""
        before = self.bot.count()
        self.page.locator("#es-input").fill(text)
        self.page.locator("#es-input").press("Enter")
        self.wait_for_answer(before)

    def wait_for_answer(self, before: int) -> None:
        self.bot.nth(before).wait_for(timeout=REPLY_TIMEOUT_MS)
        expect(self.page.locator(".es-typing")).to_be_hidden(timeout=REPLY_TIMEOUT_MS)

    def bot_texts(self) -> list[str]:
        return [text.strip() for text in self.page.locator(f"{BOT} .es-body").all_inner_texts()]

    def receive(self, message: dict) -> None:
        """Hand one bot_uttered event to the widget, exactly as the socket does (no server involved)."""
        self.page.evaluate("message => window.ExpatSante.widgets[0].receive(message)", message)


def test_english_question_gets_a_sourced_answer_with_safe_links_and_timestamps(stack, page):
    chat = Chat(page).open_page(stack.page_url).open()
    expect(page.locator(".es-root")).to_have_attribute("lang", "en")
    expect(page.locator("#es-input")).to_be_focused()
    chat.ask("How do I order my Carte Vitale?")

    citation = page.locator(".es-kind-citation").last
    expect(citation).to_contain_text("Source:")
    link = citation.locator("a")
    assert link.get_attribute("href").startswith("https://")
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in link.get_attribute("rel")
    assert any("Source:" in text for text in chat.bot_texts())
    # Every message carries its time; the conversation is a live log for screen readers.
    assert page.locator(".es-msg:not(.es-welcome) time[datetime]").count() == page.locator(".es-msg:not(.es-welcome):not(.es-from-system)").count()
    expect(page.locator(".es-log")).to_have_attribute("role", "log")
    expect(page.locator(".es-log")).to_have_attribute("aria-live", "polite")
    shot(page, "english-answer")


def test_language_toggle_switches_the_ui_and_the_bot_to_french(stack, page):
    chat = Chat(page).open_page(stack.page_url).open()
    before = chat.bot.count()
    page.get_by_role("button", name="Passer en français").click()
    chat.wait_for_answer(before)

    expect(page.locator(".es-root")).to_have_attribute("lang", "fr")
    expect(page.get_by_label("Votre message")).to_be_visible()
    expect(page.get_by_role("button", name="Envoyer")).to_be_visible()
    assert chat.bot_texts()[-1] == response_text("utter_language_switched", "fr")

    chat.ask("Comment commander ma carte vitale ?")
    citation = page.locator(".es-kind-citation").last
    expect(citation).to_have_attribute("lang", "fr")
    expect(citation).to_contain_text("Source :")
    shot(page, "french-answer")


def test_buttons_stay_until_answered_and_a_click_sends_the_choice(stack, page):
    chat = Chat(page).open_page(stack.page_url).open()
    chat.ask("change language")
    choices = page.locator(".es-buttons").last.locator("button")
    assert choices.count() >= 2
    for index in range(choices.count()):
        expect(choices.nth(index)).to_be_enabled()

    before = chat.bot.count()
    choices.filter(has_text="Français").click()
    chat.wait_for_answer(before)
    assert chat.bot_texts()[-1] == response_text("utter_language_switched", "fr")
    expect(chat.user.last).to_contain_text("Français")
    # Answered: kept in the history, no longer clickable, the chosen one marked.
    for index in range(choices.count()):
        expect(choices.nth(index)).to_be_disabled()
    expect(choices.filter(has_text="Français")).to_have_attribute("aria-pressed", "true")
    # The bot's language button switched the UI too.
    expect(page.locator(".es-root")).to_have_attribute("lang", "fr")
    shot(page, "buttons-answered")


def calculator_payload(language: str) -> dict:
    """A cost_breakdown payload from the real calculator's JSON output (the fields the dialogue sends)."""
    output = subprocess.run(
        [str(ACTIONS_PYTHON), "-m", "bot", "calc", "--care", "gp", "--price", "30", "--medecin-traitant", "yes",
         "--mutuelle", "none", "--lang", language, "--json"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    )
    result = json.loads(output.stdout)
    return {"type": "cost_breakdown", "lang": result["lang"], "care": result["care"], "date": result["date"],
            "currency": "EUR", "billed": result["billed"], "parts": result["chart"], "text": result["explanation"]}


@pytest.mark.parametrize("language, money", [("en", "€19.00"), ("fr", "19,00 €")])
def test_calculator_breakdown_is_drawn_as_a_chart_with_a_table(stack, page, language, money):
    chat = Chat(page).open_page(stack.page_url).open()
    payload = calculator_payload(language)
    chat.receive({"custom": payload})

    figure = page.locator(".es-cost").last
    expect(figure).to_have_attribute("lang", language)
    bars = figure.locator("svg rect")
    paid = [part for part in payload["parts"] if part["amount"] > 0]
    assert bars.count() == len(paid)
    total = sum(part["amount"] for part in payload["parts"])
    for index, part in enumerate(paid):  # bar widths are the shares of the bill
        assert float(bars.nth(index).get_attribute("width")) == pytest.approx(100 * part["amount"] / total, abs=0.01)
    rows = figure.locator("tr")
    assert rows.count() == len(payload["parts"])
    expect(figure.locator('tr[data-part="statutory"]')).to_contain_text(money)
    assert figure.locator("svg").get_attribute("role") == "img"
    assert money in figure.locator("svg").get_attribute("aria-label").replace("\xa0", " ")  # fr: no-break space
    figure.locator("summary").click()
    expect(figure.locator("details")).to_contain_text(payload["text"].splitlines()[0])
    shot(page, f"cost-chart-component-{language}")


def cost_dialogue_available() -> bool:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return any("cost" in name or "estimate" in name for name in domain.get("actions") or [])


@pytest.mark.skipif(not cost_dialogue_available(), reason="the dialogue has no cost estimate action yet (domain.yml)")
def test_cost_question_gets_a_chart(stack, page):
    chat = Chat(page).open_page(stack.page_url).open()
    chat.ask("How much will I get back for a €30 GP visit? I have a médecin traitant and no mutuelle")
    figure = page.locator(".es-cost").last
    expect(figure).to_be_visible()
    assert figure.locator("svg rect").count() >= 1
    expect(figure.locator('tr[data-part="you"]')).to_be_visible()
    shot(page, "cost-chart-dialogue")


def test_conversation_survives_a_reload_and_new_conversation_starts_over(stack, page):
    chat = Chat(page).open_page(stack.page_url).open()
    chat.ask("parle français")
    assert chat.bot_texts()[-1] == response_text("utter_language_switched", "fr")
    session = page.evaluate("() => window.ExpatSante.widgets[0].store.state.sessionId")
    history = page.locator(".es-msg:not(.es-welcome)").all_inner_texts()

    page.reload()
    expect(page.locator(".es-panel")).to_be_visible()  # it was open: it stays open
    expect(page.locator(".es-msg:not(.es-welcome)")).to_have_count(len(history))
    assert page.locator(".es-msg:not(.es-welcome)").all_inner_texts() == history
    assert page.evaluate("() => window.ExpatSante.widgets[0].store.state.sessionId") == session
    # Same conversation on the server: the explicit switch to French still holds (the UI is still English).
    chat.ask("thank you very much")
    assert chat.bot_texts()[-1] == response_text("utter_you_are_welcome", "fr")
    shot(page, "after-reload")

    page.get_by_role("button", name="New conversation").click()
    expect(page.locator(".es-msg:not(.es-welcome)")).to_have_count(0)
    expect(page.locator(".es-welcome")).to_be_visible()
    assert page.evaluate("() => window.ExpatSante.widgets[0].store.state.sessionId") != session
    chat.ask("thank you very much")
    assert chat.bot_texts()[-1] == response_text("utter_you_are_welcome", "en")


def test_html_typed_by_the_user_is_shown_as_text(stack, browser, page):
    chat = Chat(page).open_page(stack.page_url).open()
    chat.ask(HOSTILE)
    expect(chat.user.last.locator(".es-plain")).to_have_text(HOSTILE)
    assert page.locator(".es-root img").count() == 0
    page.reload()
    expect(chat.user.last.locator(".es-plain")).to_have_text(HOSTILE)
    assert page.locator(".es-root img").count() == 0
    assert browser.dialogs == []
    shot(page, "html-as-text")


def test_hostile_bot_markdown_and_payloads_cannot_inject(stack, browser, page):
    chat = Chat(page).open_page(stack.page_url).open()
    chat.receive({"text": "**<img src=x onerror=\"window.__pwned=1\">** [click](javascript:alert(1)) "
                          "<script>window.__pwned=2</script> [ok](https://www.ameli.fr) <a href=x onclick=alert(1)>a</a>"})
    chat.receive({"text": "Choose", "buttons": [{"title": "<img src=x onerror=alert(2)>", "payload": "/greet"}]})
    chat.receive({"custom": {"type": "citation", "title": "<svg onload=alert(3)>", "source": "javascript:alert(3)",
                             "last_reviewed": "<b>x</b>", "lang": "en"}})
    chat.receive({"custom": {"type": "letter", "lang": "fr", "title": "<i>t</i>", "text": "<script>alert(4)</script>"}})
    chat.receive({"custom": {"type": "carousel", "html": "<img src=x onerror=alert(5)>"}})

    root = page.locator(".es-root")
    assert root.locator("img, script, iframe, object, embed, svg:not(.es-cost-bar), [onerror], [onclick], [onload]").count() == 0
    assert root.locator('a[href^="javascript" i]').count() == 0
    links = root.locator(".es-log a")
    assert links.count() == 1 and links.first.get_attribute("href") == "https://www.ameli.fr/"
    expect(page.locator(".es-kind-text").first).to_contain_text("<script>window.__pwned=2</script>")
    expect(page.locator(".es-buttons button").last).to_have_text("<img src=x onerror=alert(2)>")
    expect(page.locator(".es-letter-text")).to_have_text("<script>alert(4)</script>")
    assert page.evaluate("() => window.__pwned") is None
    assert browser.dialogs == []
    shot(page, "hostile-bot-markdown")


def test_letter_draft_has_a_working_copy_button(stack, browser, page):
    browser.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.page_url.rstrip("/"))
    chat = Chat(page).open_page(stack.page_url).open()
    letter = "Madame, Monsieur,\n\nJe vous prie de trouver ci-joint ma demande.\n\nCordialement,"
    chat.receive({"custom": {"type": "letter", "lang": "fr", "title": "Demande", "text": letter}})
    page.get_by_role("button", name="Copy the letter").click()
    expect(page.locator(".es-status")).to_have_text("Letter copied to the clipboard.")
    assert page.evaluate("() => navigator.clipboard.readText()") == letter
    shot(page, "letter-copied")


def test_keyboard_only_use_with_visible_focus(stack, page):
    Chat(page).open_page(stack.page_url)
    page.locator("h1").click()  # focus in the page, before the widget in tab order
    launcher = page.locator(".es-launcher")
    # The demo page's scrollable code sample comes first; the launcher must be the next stop or so.
    for _ in range(3):
        page.keyboard.press("Tab")
        if launcher.evaluate("e => e.getRootNode().activeElement === e"):
            break
    expect(launcher).to_be_focused()
    assert launcher.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(page.locator(".es-panel")).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#es-input")).to_be_focused()
    shot(page, "keyboard-open")
    page.keyboard.press("Escape")
    expect(page.locator(".es-panel")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_mobile_layout_uses_the_whole_screen(stack, page):
    page.set_viewport_size({"width": 375, "height": 740})
    Chat(page).open_page(stack.page_url).open()
    box = page.locator(".es-panel").bounding_box()
    assert box["width"] == pytest.approx(375, abs=1) and box["height"] == pytest.approx(740, abs=1)
    input_box = page.locator("#es-input").bounding_box()
    assert input_box["y"] + input_box["height"] <= 740
    shot(page, "mobile")


def test_a_page_from_an_origin_not_listed_cannot_talk_to_the_server(stack, page):
    chat = Chat(page).open_page(stack.other_origin_url).open()
    page.locator("#es-input").fill("Hello")
    page.locator("#es-input").press("Enter")
    expect(page.locator(".es-status")).to_have_attribute("data-state", "offline", timeout=REPLY_TIMEOUT_MS)
    expect(page.locator(".es-status")).to_have_text("Connection lost. Your messages will be sent when it is back.")
    assert chat.bot.count() == 0
    shot(page, "origin-refused")


def test_without_websockets_the_widget_talks_over_http_long_polling(stack, page):
    """A proxy that lets plain HTTP through but cuts every websocket before the socket.io handshake.

    Playwright stands in for the page's websockets to the server and closes each one at once, so the only way a
    reply can arrive is HTTP long-polling. (A websocket that fails outright is engine.io's own fallback; this is
    the case it does not cover: the widget falls back after the first connection timeout, 20 s.)
    """
    refused: list[str] = []

    def refuse(websocket) -> None:
        refused.append(websocket.url)
        websocket.close(code=1008, reason="websockets are blocked here")

    polling: list[str] = []
    page.route_web_socket(re.compile(r"/socket\.io/"), refuse)
    page.on("request", lambda request: polling.append(request.url) if "transport=polling" in request.url else None)
    chat = Chat(page).open_page(stack.page_url).open()
    chat.ask("How do I order my Carte Vitale?")

    assert refused, "the widget never tried a websocket: the test blocked nothing"
    assert any(f":{stack.rasa_port}/socket.io/" in url for url in polling), polling
    expect(page.locator(".es-kind-citation").last).to_contain_text("Source:")
    expect(page.locator(".es-status")).to_have_attribute("data-state", "online")
    # The conversation goes on over the same transport.
    chat.ask("Comment commander ma Carte Vitale ?")
    assert len(chat.bot_texts()) >= 2
    shot(page, "long-polling")
