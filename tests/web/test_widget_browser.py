"""The chat widget in a real, headless browser (Debian's chromium, driven by Playwright).

The page is served by bot/web/server.py and talks to a real Rasa server over the
socket.io channel, as with `make run` (the browser and page fixtures are in
conftest.py). Screenshots go to test-artifacts/.
"""

import pytest
import requests
from playwright.sync_api import Page, expect

from bot import PROJECT_ROOT
from bot.core.knowledge import get_knowledge

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
REPLY_MS = 90_000  # the first reply after the server starts includes model warm-up
LAUNCHER = "Chat with the pump assistant"
EMERGENCY = "my son passed out and won't wake up"

pytestmark = pytest.mark.timeout(900)


def topic(topic_id):
    knowledge = get_knowledge()
    t = knowledge.by_id[topic_id]
    return knowledge.fill(t.answer), knowledge.source_line(t), [knowledge.by_id[r].title for r in t.related]


def open_chat(page: Page):
    launcher = page.get_by_role("button", name=LAUNCHER)
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    dialog = page.get_by_role("dialog", name="Pump program assistant")
    expect(dialog).to_be_visible()
    expect(page.get_by_role("textbox", name="Your message")).to_be_focused()
    return dialog


def ask(page: Page, text: str):
    box = page.get_by_role("textbox", name="Your message")
    box.fill(text)
    box.press("Enter")  # Enter sends
    expect(box).to_have_value("")


def screenshot(page: Page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_family_conversation_keyboard_quick_replies_emergency_and_reload(page, web_stack):
    saline_answer, saline_source, saline_related = topic("saline_week")
    dialog = open_chat(page)
    log = page.get_by_role("log", name="Conversation")
    expect(log).to_have_attribute("aria-live", "polite")

    # A topic question: the answer from knowledge/ with its source line.
    ask(page, "what is the saline week")
    expect(log).to_contain_text("what is the saline week")
    expect(log).to_contain_text(saline_answer, timeout=REPLY_MS)
    expect(log).to_contain_text(saline_source)
    assert saline_source.startswith("Source:")

    # Quick replies: the related topics, reachable with Tab, with visible focus.
    replies = page.get_by_role("group", name="Suggested questions").get_by_role("button")
    expect(replies).to_have_text(saline_related)
    log.focus()
    page.keyboard.press("Tab")
    first = replies.first
    expect(first).to_be_focused()
    assert first.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"

    # Clicking one asks that topic and shows its answer.
    clicked_title = saline_related[0]
    clicked = next(
        t
        for t in ["saline_injections", "insulin_start", "evaluation"]
        if get_knowledge().by_id[t].title == clicked_title
    )
    clicked_answer, _, _ = topic(clicked)
    replies.first.click()
    expect(log).to_contain_text(clicked_answer, timeout=REPLY_MS)
    expect(page.get_by_role("textbox", name="Your message")).to_be_focused()

    # An emergency gets "Call 911 now".
    ask(page, EMERGENCY)
    expect(log).to_contain_text("Call 911 now", timeout=REPLY_MS)
    screenshot(page, "web-chat.png")

    session_id = page.evaluate("() => JSON.parse(sessionStorage.getItem('pumpChat.v1')).sessionId")
    assert session_id

    # Reload: same conversation on screen, same session on the server.
    page.reload()
    log = page.get_by_role("log", name="Conversation")
    expect(log).to_be_visible()
    for text in [
        "what is the saline week",
        saline_answer,
        saline_source,
        clicked_title,
        clicked_answer,
        EMERGENCY,
        "Call 911 now",
    ]:
        expect(log).to_contain_text(text)
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('pumpChat.v1')).sessionId") == session_id
    ask(page, "/ask_insulin_start")
    expect(log).to_contain_text("Insulin starts in the pump", timeout=REPLY_MS)
    conversation_id = session_id.rsplit(".", 1)[0]  # the widget holds the server's credential
    tracker = requests.get(web_stack.rasa.api(f"/conversations/{conversation_id}/tracker"), timeout=10).json()
    said = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert said[0] == "what is the saline week" and said[-1] == "/ask_insulin_start" and EMERGENCY in said
    screenshot(page, "web-chat-after-reload.png")

    # Escape closes the chat and puts focus back on the launcher.
    page.get_by_role("textbox", name="Your message").press("Escape")
    launcher = page.get_by_role("button", name=LAUNCHER)
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert page.errors == []


def test_html_from_the_user_is_shown_as_literal_text(page):
    open_chat(page)
    log = page.get_by_role("log", name="Conversation")
    html = '<img src="x" onerror="window.__injected = 1"><b>bold</b>'
    box = page.get_by_role("textbox", name="Your message")
    box.fill(html)
    box.press("Shift+Enter")  # a new line, not a send
    box.press_sequentially("second line")
    box.press("Enter")
    mine = log.locator(".pump-chat__msg--user .pump-chat__text").last
    expect(mine).to_be_visible()
    assert mine.evaluate("n => n.textContent") == html + "\nsecond line"
    assert mine.evaluate("n => getComputedStyle(n.parentElement).whiteSpace") == "pre-line"
    page.wait_for_timeout(1000)
    assert log.locator("img, b, script").count() == 0
    assert page.evaluate("() => window.__injected") is None
    screenshot(page, "web-chat-html-as-text.png")
    assert page.errors == []
