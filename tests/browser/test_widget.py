"""The web widget against the real servers, in headless Chromium: what a user sees and can do."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ACTIONS_PYTHON, REPLY_TIMEOUT_MS, ROOT, response_text, shot
from playwright.sync_api import Page, expect

BOT = ".es-msg.es-from-bot:not(.es-welcome)"
HOSTILE = "<img src=x onerror=alert(1)>"


class Chat:
    """The widget as a user drives it (Playwright's CSS locators reach into its open shadow root)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.bot = page.locator(BOT)
        self.user = page.locator(".es-msg.es-from-user")

    def open_page(self, url: str) -> Chat:
        self.page.goto(url)
        expect(self.page.locator(".es-launcher")).to_be_attached()
        return self

    def open(self) -> Chat:
        self.page.locator(".es-launcher").click()
        expect(self.page.locator(".es-panel")).to_be_visible()
        return self

    def ask(self, text: str) -> None:
        """Type a message, send it with Enter, and wait until the bot has answered and stopped typing."""
        before = self.bot.count()
        self.page.locator(".es-input").fill(text)
        self.page.locator(".es-input").press("Enter")
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
    expect(page.locator(".es-input")).to_be_focused()
    chat.ask("How do I order my Carte Vitale?")

    citation = page.locator(".es-kind-citation").last
    expect(citation).to_contain_text("Source:")
    link = citation.locator("a")
    assert link.get_attribute("href").startswith("https://")
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in link.get_attribute("rel")
    assert any("Source:" in text for text in chat.bot_texts())
    # Every message carries its time; the conversation is a live log for screen readers.
    assert (
        page.locator(".es-msg:not(.es-welcome) time[datetime]").count()
        == page.locator(".es-msg:not(.es-welcome):not(.es-from-system)").count()
    )
    expect(page.locator(".es-log")).to_have_attribute("role", "log")
    expect(page.locator(".es-log")).to_have_attribute("aria-live", "polite")
    shot(page, "english-answer")


def test_language_toggle_switches_the_ui_and_the_bot_to_french(stack, page):
    chat = Chat(page).open_page(stack.page_url).open()
    before = chat.bot.count()
    toggle = page.locator(".es-lang")
    # Its label is "Français – the assistant will answer in French", each part marked with its language.
    expect(toggle.locator('[lang="fr"]')).to_have_text("Français")
    expect(toggle.locator('[lang="en"]')).to_have_text(re.compile("the assistant will answer in French"))
    page.get_by_role("button", name=re.compile("^Français")).click()
    chat.wait_for_answer(before)
    expect(toggle.locator('[lang="en"]')).to_have_text("English")

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
        [
            str(ACTIONS_PYTHON),
            "-m",
            "bot",
            "calc",
            "--care",
            "gp",
            "--price",
            "30",
            "--medecin-traitant",
            "yes",
            "--mutuelle",
            "none",
            "--lang",
            language,
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result = json.loads(output.stdout)
    return {
        "type": "cost_breakdown",
        "lang": result["lang"],
        "care": result["care"],
        "date": result["date"],
        "currency": "EUR",
        "billed": result["billed"],
        "parts": result["chart"],
        "headline": result["headline"],
        "assumption": result["main_assumption"],
        "details": result["explanation"],
    }


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
    # The bar is for the eye: screen readers read the figures once, in the table.
    assert figure.locator("svg").get_attribute("aria-hidden") == "true"
    assert figure.locator("svg").get_attribute("role") is None
    # The calculation is one action away ("How this is calculated"), its steps a real list.
    details = figure.locator("details")
    expect(details.locator("ol li").first).to_be_hidden()
    figure.locator("summary").click()
    expect(details).to_contain_text(payload["details"].splitlines()[0])
    steps = [line for line in payload["details"].splitlines() if re.match(r"^\d+\. ", line)]
    assert len(steps) >= 5 and details.locator("ol").first.locator("li").count() == len(steps)
    expect(figure.locator("summary")).to_have_text("How this is calculated" if language == "en" else "Détail du calcul")
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


MONEY = {"en": r"€\d+(?:[.,]\d{2})?", "fr": r"\d+(?:,\d{2})?\s?€"}
COST_QUESTIONS = {
    ("gp", "en"): "How much will I get back for a 30 euro GP visit? I have a médecin traitant and no mutuelle",
    ("gp", "fr"): "Combien je suis remboursé pour une consultation chez le généraliste à 30 euros ? "
    "J'ai un médecin traitant et pas de mutuelle",
    ("hospital", "en"): "How much will I pay for 3 nights in hospital billed 1000 euros? I have no mutuelle",
    ("hospital", "fr"): "Combien je paie pour 3 nuits à l'hôpital facturées 1000 euros ? Je n'ai pas de mutuelle",
    ("dentist", "en"): "How much will I get back for a 50 euro dentist visit? I have no mutuelle",
    ("dentist", "fr"): "Combien je suis remboursé pour des soins chez le dentiste à 50 euros ? Je n'ai pas de mutuelle",
}


@pytest.mark.skipif(not cost_dialogue_available(), reason="the dialogue has no cost estimate action yet (domain.yml)")
@pytest.mark.parametrize("care, language", list(COST_QUESTIONS))
def test_cost_answer_is_headline_first_and_the_calculation_is_one_click_away(stack, page, care, language):
    chat = Chat(page).open_page(stack.page_url).open()
    if language == "fr":
        before = chat.bot.count()
        page.locator(".es-lang").click()
        chat.wait_for_answer(before)
    chat.ask(COST_QUESTIONS[(care, language)])
    for _ in range(4):  # a question the calculator still needs: the first choice
        if page.locator(".es-cost").count():
            break
        choices = page.locator(".es-buttons").last.locator("button:enabled")
        assert choices.count(), f"no estimate and no question: {chat.bot_texts()[-1]!r}"
        before = chat.bot.count()
        choices.first.click()
        chat.wait_for_answer(before)
    figure = page.locator(".es-cost").last
    expect(figure).to_be_visible()
    # The message just before the chart is the headline: one sentence with the three amounts.
    headline = page.locator(f"{BOT}:has(+ .es-kind-cost)").last.locator(".es-body").inner_text()
    amounts = re.findall(MONEY[language], headline.replace("\xa0", " ").replace("\u202f", " "))
    assert len(amounts) >= 3, headline
    assert len(headline.strip().splitlines()) == 1, headline
    # The calculation: one click, a numbered list of steps.
    steps = figure.locator("details ol").first.locator("li")
    expect(steps.first).to_be_hidden()
    figure.locator("summary").click()
    expect(steps.first).to_be_visible()
    assert steps.count() >= 3
    shot(page, f"cost-answer-{care}-{language}")


def test_conversation_survives_a_reload_and_new_conversation_starts_over(stack, page):
    chat = Chat(page).open_page(stack.page_url).open()
    chat.ask("parle français")
    assert chat.bot_texts()[-1] == response_text("utter_language_switched", "fr")
    expect(page.locator(".es-root")).to_have_attribute("lang", "fr")  # the interface followed the conversation
    session = page.evaluate("() => window.ExpatSante.widgets[0].store.state.sessionId")
    history = page.locator(".es-msg:not(.es-welcome)").all_inner_texts()

    page.reload()
    expect(page.locator(".es-panel")).to_be_visible()  # it was open: it stays open
    expect(page.locator(".es-msg:not(.es-welcome)")).to_have_count(len(history))
    assert page.locator(".es-msg:not(.es-welcome)").all_inner_texts() == history
    assert page.evaluate("() => window.ExpatSante.widgets[0].store.state.sessionId") == session
    expect(page.locator(".es-root")).to_have_attribute("lang", "fr")
    # Same conversation on the server: the explicit switch to French still holds.
    chat.ask("thank you very much")
    assert chat.bot_texts()[-1] == response_text("utter_you_are_welcome", "fr")
    shot(page, "after-reload")

    page.locator(".es-new").click()
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
    chat.receive(
        {
            "text": '**<img src=x onerror="window.__pwned=1">** [click](javascript:alert(1)) '
            "<script>window.__pwned=2</script> [ok](https://www.ameli.fr) <a href=x onclick=alert(1)>a</a>"
        }
    )
    chat.receive({"text": "Choose", "buttons": [{"title": "<img src=x onerror=alert(2)>", "payload": "/greet"}]})
    chat.receive(
        {
            "custom": {
                "type": "citation",
                "title": "<svg onload=alert(3)>",
                "source": "javascript:alert(3)",
                "last_reviewed": "<b>x</b>",
                "lang": "en",
            }
        }
    )
    chat.receive({"custom": {"type": "letter", "lang": "fr", "title": "<i>t</i>", "text": "<script>alert(4)</script>"}})
    chat.receive({"custom": {"type": "carousel", "html": "<img src=x onerror=alert(5)>"}})

    root = page.locator(".es-root")
    assert (
        root.locator(
            "img, script, iframe, object, embed, svg:not(.es-cost-bar), [onerror], [onclick], [onload]"
        ).count()
        == 0
    )
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
    expect(page.locator(".es-input")).to_be_focused()
    shot(page, "keyboard-open")
    page.keyboard.press("Escape")
    expect(page.locator(".es-panel")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_mobile_layout_uses_the_whole_screen(stack, page):
    page.set_viewport_size({"width": 375, "height": 740})
    Chat(page).open_page(stack.page_url).open()
    box = page.locator(".es-panel").bounding_box()
    assert box["width"] == pytest.approx(375, abs=1) and box["height"] == pytest.approx(740, abs=1)
    input_box = page.locator(".es-input").bounding_box()
    assert input_box["y"] + input_box["height"] <= 740
    shot(page, "mobile")


def test_a_page_from_an_origin_not_listed_cannot_talk_to_the_server(stack, page):
    chat = Chat(page).open_page(stack.other_origin_url).open()
    page.locator(".es-input").fill("Hello")
    page.locator(".es-input").press("Enter")
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


def session_id(page) -> str:
    return page.evaluate("() => window.ExpatSante.widgets[0].store.state.sessionId")


def stored(page) -> str:
    """Everything the page keeps in localStorage, as one string."""
    return page.evaluate("() => JSON.stringify(Object.entries(localStorage))")


def test_delete_my_data_forgets_the_conversation_in_the_browser_too(stack, page):
    chat = Chat(page).open_page(stack.page_url).open()
    question = "How do I order my Carte Vitale?"
    chat.ask(question)
    chat.ask("Delete my data")
    old_session = session_id(page)
    assert question in stored(page) and old_session in stored(page)

    page.locator(".es-buttons").last.get_by_role("button", name="Yes, delete everything").click()
    forgotten = "This conversation has been removed from this browser too. A new conversation starts here."
    expect(page.locator(".es-from-system").last).to_have_text(forgotten, timeout=REPLY_TIMEOUT_MS)
    expect(page.locator(BOT).first).to_have_text(re.compile(re.escape(response_text("utter_data_deleted", "en"))))
    # Nothing earlier is left on the page or in storage, and the next messages go to a new session.
    expect(page.locator(".es-root").get_by_text(question)).to_have_count(0)
    expect(page.locator(".es-from-user")).to_have_count(0)
    assert session_id(page) != old_session
    for earlier in (question, "Delete my data", "Carte Vitale", old_session):
        assert earlier not in stored(page), earlier
    shot(page, "forgotten")

    page.reload()
    expect(page.locator(".es-panel")).to_be_visible()
    expect(page.locator(".es-msg:not(.es-welcome)")).to_have_count(0)
    expect(page.locator(".es-welcome")).to_be_visible()
    new_session = session_id(page)
    assert new_session != old_session and old_session not in stored(page) and question not in stored(page)
    # The new conversation works.
    chat.ask(question)
    expect(page.locator(".es-kind-citation").last).to_contain_text("Source:")
    assert session_id(page) == new_session


def test_a_french_message_on_an_english_page_switches_the_interface_to_french(stack, page):
    chat = Chat(page).open_page(stack.page_url).open()
    expect(page.locator(".es-root")).to_have_attribute("lang", "en")
    chat.ask("Bonjour, comment commander ma carte Vitale ?")
    expect(page.locator(".es-root")).to_have_attribute("lang", "fr")
    expect(page.get_by_label("Votre message")).to_be_visible()
    expect(page.get_by_role("button", name="Envoyer")).to_be_visible()
    expect(page.locator(".es-lang [lang='en']")).to_have_text("English")  # the toggle now offers English
    expect(page.locator(".es-kind-citation").last).to_contain_text("Source :")
    # The answer is marked as French for screen readers, the system note says the language.
    expect(page.locator(f"{BOT}[lang='fr']").first).to_be_attached()
    expect(page.locator(".es-from-system").last).to_have_text("Langue : français")
    page.reload()
    expect(page.locator(".es-root")).to_have_attribute("lang", "fr")
    shot(page, "french-message-on-english-page")


def reach_the_checklist(chat: Chat) -> None:
    """The enrolment questions, answered with the first button each time, up to the personal checklist."""
    page = chat.page
    chat.ask("How do I enrol in French health insurance?")
    for _ in range(8):
        if page.locator(".es-kind-text .es-keep").count():
            return
        choices = page.locator(".es-buttons").last.locator("button:enabled")
        assert choices.count(), f"no checklist and no question: {chat.bot_texts()[-1]!r}"
        before = chat.bot.count()
        choices.first.click()
        chat.wait_for_answer(before)
    raise AssertionError(f"no checklist after the enrolment questions: {chat.bot_texts()[-3:]!r}")


def test_the_checklist_can_be_printed_and_saved_with_its_items_sources_and_date(stack, browser, page):
    chat = Chat(page).open_page(stack.page_url).open()
    reach_the_checklist(chat)
    entry = page.evaluate(
        "() => window.ExpatSante.widgets[0].store.state.entries.filter(e => e.keep === 'checklist').pop()"
    )
    sources = re.findall(r"https://[^\s)]+", entry["text"])
    assert sources, entry["text"]
    tools = page.locator(".es-kind-text .es-keep").last

    with browser.expect_page() as opened:
        tools.get_by_role("button", name="Print the checklist").click()
    view = opened.value
    view.wait_for_load_state()
    expect(view.locator("h1")).to_have_text("Your checklist")
    assert view.locator("html").get_attribute("lang") == "en"
    article = view.locator("article")
    for item in ("Your route", "Documents", "Form", "Timeline", "Next steps"):
        expect(article).to_contain_text(item)
    hrefs = article.locator("a").evaluate_all("links => links.map(a => a.href)")
    for source in sources:
        assert source.rstrip(".,;") in hrefs or source in hrefs, (source, hrefs)
    expect(view.locator("footer")).to_contain_text("Printed from the Expat Santé assistant on")
    expect(view.locator("footer time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    content = view.content()
    assert "How do I enrol" not in content and session_id(page) not in content  # nothing but the checklist
    view.screenshot(path=str(ROOT / "tests" / "artifacts" / "browser" / "checklist-print-view.png"), full_page=True)

    with page.expect_download() as downloaded:
        tools.get_by_role("button", name="Save as text (the checklist)").click()
    download = downloaded.value
    assert re.fullmatch(r"expat-sante-checklist-\d{4}-\d{2}-\d{2}\.txt", download.suggested_filename)
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("Your checklist\n") and "**" not in text
    for source in sources:
        assert source.rstrip(".,;") in text
    assert "Printed from the Expat Santé assistant on" in text and "How do I enrol" not in text


def test_the_letter_draft_can_be_printed_in_french(stack, browser, page):
    chat = Chat(page).open_page(stack.page_url).open()
    letter = "Madame, Monsieur,\n\nJe vous prie de trouver ci-joint [votre numéro de dossier].\n\nCordialement,"
    chat.receive({"text": "Relancez la CPAM : https://www.ameli.fr/assure/droits-demarches"})
    chat.receive({"custom": {"type": "letter", "lang": "fr", "title": "Relance de dossier", "text": letter}})
    with browser.expect_page() as opened:
        page.get_by_role("button", name="Print the letter").click()
    view = opened.value
    view.wait_for_load_state()
    expect(view.locator("h1")).to_have_text("Relance de dossier")
    assert view.locator("pre").inner_text() == letter
    expect(view.locator(".es-keep-sources a")).to_have_attribute("href", "https://www.ameli.fr/assure/droits-demarches")


AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page (the widget's open shadow root included)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    results = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)}))"
    )
    return [v for v in results if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_violation_on_the_open_widget(stack, page):
    assert AXE.exists(), "web/node_modules/axe-core is missing: scripts/web_build.sh installs it (npm ci)"
    chat = Chat(page).open_page(stack.page_url).open()
    chat.ask("How do I order my Carte Vitale?")
    chat.receive({"custom": calculator_payload("en")})
    chat.receive(
        {"custom": {"type": "letter", "lang": "fr", "title": "Relance", "text": "Madame, Monsieur,\n\nCordialement,"}}
    )
    chat.receive(
        {
            "text": "**Your checklist**\n\n**1. Your route**: PUMa\n\nSources (reviewed 2026-12-01):\n"
            "- Enrolment: https://www.ameli.fr/assure/droits-demarches",
            "keep": "checklist",
        }
    )
    # Keyboard only: the calculation opens from its summary with Enter.
    summary = page.locator(".es-cost summary").last
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".es-cost details").last).to_have_attribute("open", "")
    assert axe_violations(page) == []
    # The same in French, after the toggle.
    before = chat.bot.count()
    page.locator(".es-lang").click()
    chat.wait_for_answer(before)
    assert axe_violations(page) == []
    shot(page, "axe-checked")


def test_ids_stay_unique_with_two_widgets_on_one_page(stack, page):
    Chat(page).open_page(stack.page_url)
    ids = page.evaluate("""() => {
        const host = document.createElement('div');
        document.body.appendChild(host);
        const first = window.ExpatSante.widgets[0];
        window.ExpatSante.init({serverUrl: first.serverUrl, language: 'fr', host});
        const roots = window.ExpatSante.widgets.map(w => w.host.shadowRoot);
        return roots.flatMap(root => [...root.querySelectorAll('[id]')].map(e => e.id));
    }""")
    assert len(ids) >= 6 and len(ids) == len(set(ids)), ids
    # Each widget's references point inside itself.
    refs = page.evaluate("""() => window.ExpatSante.widgets.map(w => {
        const root = w.host.shadowRoot;
        return [...root.querySelectorAll('[aria-controls], [aria-labelledby], label[for]')]
            .every(e => root.getElementById(
                e.getAttribute('aria-controls') || e.getAttribute('aria-labelledby') || e.htmlFor));
    })""")
    assert refs == [True, True]
