"""The staff review page in a real browser (Debian's chromium, driven by Playwright), over a
real conversation: families talk to the trained bot over REST (the session's `stack`), the
audit broker records the escalation and the unanswered question, and `python -m bot.staff`
serves the page from the same app database and tracker store. The first account is made
with the README's command."""

import csv
import io
import re
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import func, select

from bot import PROJECT_ROOT
from bot.core.text.phones import MASK, redact_phone_numbers
from bot.db.engine import session_factory
from bot.db.tables import AccessLogEntry, Escalation, UnansweredQuestion, utcnow
from tools.stack.servers import free_port, wait_http

pytestmark = pytest.mark.timeout(600)
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
USER, PASSWORD = "nurse.ana", "a long staff password"
# Asked by no other test of the session (they share the app database).
QUESTION = "can he take the pump to the water park this summer"
FAMILY_NUMBER = "555 010 4477"
SENDER = "staff-review-family"


def wait_for_rows(url, model, sender, count=1):
    deadline = time.monotonic() + 20  # the broker's writer thread stores rows just after the reply
    while True:
        with session_factory(url)() as db:
            found = db.scalars(select(model).where(model.conversation_id == sender)).all()
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


@pytest.fixture(scope="module")
def staff(stack, tmp_path_factory):
    env = {k: v for k, v in stack.env.items() if k != "RASA_API_TOKEN"}
    app_url = env["APP_DATABASE_URL"]
    stack.say("what is the saline week", sender=SENDER)
    stack.say(QUESTION, sender=SENDER)
    stack.say(f"you can text me back at {FAMILY_NUMBER}", sender=SENDER)
    stack.say("his sugar is 45 and he is shaky", sender="staff-review-low")
    [question] = [q for q in wait_for_rows(app_url, UnansweredQuestion, SENDER) if q.text == QUESTION]
    assert wait_for_rows(app_url, Escalation, "staff-review-low")

    made = subprocess.run(
        [sys.executable, "-m", "bot", "staff", "add", USER, "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    port = free_port()
    log = open(tmp_path_factory.mktemp("staff") / "staff.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.staff", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout=30, proc=proc)
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}", app_url=app_url, question=question)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


def sign_in(page, staff, password=PASSWORD):
    page.goto(staff.url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def logged(staff, action, since):
    with session_factory(staff.app_url)() as db:
        return [
            e.target
            for e in db.scalars(
                select(AccessLogEntry).where(
                    AccessLogEntry.action == action, AccessLogEntry.created_at >= since, AccessLogEntry.username == USER
                )
            )
        ]


def test_every_page_is_unreachable_without_a_session(staff):
    paths = ["/", "/questions", f"/questions/{staff.question.id}", "/access-log", "/export/questions.csv"]
    for cookie in ({}, {"staff_session": "forged-token"}):
        for path in paths:
            response = requests.get(staff.url + path, cookies=cookie, allow_redirects=False, timeout=10)
            assert response.status_code == 303 and response.content == b"", path
            assert response.headers["Location"].startswith("/login?next=")
    post = requests.post(
        f"{staff.url}/questions/{staff.question.id}/status", data={"status": "out_of_scope"}, timeout=10
    )
    assert post.status_code == 403
    with session_factory(staff.app_url)() as db:
        assert db.get(UnansweredQuestion, staff.question.id).status is None


def test_a_wrong_password_is_refused(page, staff):
    since = utcnow()
    sign_in(page, staff, password="not the password at all")
    expect(page.get_by_role("alert")).to_contain_text("Wrong user name or password")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    with session_factory(staff.app_url)() as db:
        refused = db.scalar(
            select(func.count())
            .select_from(AccessLogEntry)
            .where(AccessLogEntry.action == "sign_in_refused", AccessLogEntry.created_at >= since)
        )
    assert refused == 1


def test_a_member_of_staff_reviews_the_week_without_a_terminal(page, staff):
    since = utcnow()
    sign_in(page, staff)
    # Escalations: the chart and its counts, the same as the database holds for the week.
    expect(page.get_by_role("heading", name=re.compile("Escalations, last 7 days"))).to_be_visible()
    chart = page.locator("svg#escalation-chart")
    expect(chart).to_be_visible()
    bars = chart.locator("rect.bar")
    assert bars.count() >= 1
    shown = sum(int(bars.nth(i).get_attribute("data-count")) for i in range(bars.count()))
    with session_factory(staff.app_url)() as db:
        in_db = db.scalar(select(func.count()).select_from(Escalation))
    assert shown == in_db >= 1
    expect(page.get_by_role("table", name="By channel")).to_contain_text("rest")
    expect(page.get_by_role("table", name="By language")).to_contain_text("en")
    expect(page.locator("#escalations")).to_contain_text("staff-review-low")
    page.screenshot(path=str(ARTIFACTS / "staff-escalations.png"), full_page=True)

    # Unanswered questions grouped by theme; the question's conversation.
    page.get_by_role("link", name="Unanswered questions").click()
    theme = page.locator("section.theme[data-theme='water']")
    expect(theme).to_contain_text(QUESTION)
    page.screenshot(path=str(ARTIFACTS / "staff-questions.png"), full_page=True)
    # (other tests of the session may have asked the same question in their own conversations)
    theme.locator(f"tr[data-question='{staff.question.id}']").get_by_role("link", name=QUESTION).click()
    turns = page.locator("#turns li")
    expect(page.locator("#turns li.marked")).to_contain_text(QUESTION)
    expect(turns.first).to_contain_text("saline week")  # the turn before it
    expect(page.locator("#turns")).to_contain_text(MASK)  # the family's number, masked
    assert FAMILY_NUMBER not in page.content()
    page.screenshot(path=str(ARTIFACTS / "staff-conversation.png"), full_page=True)

    # Marked handled.
    page.get_by_label("Status of this question").select_option("answer_added")
    page.get_by_role("button", name="Set").click()
    expect(page.locator("#status")).to_contain_text(f"Answer added (set by {USER}")
    page.get_by_role("link", name="← back").click()
    expect(page.locator(f"tr[data-question='{staff.question.id}'] select")).to_have_value("answer_added")
    page.get_by_label("Show questions with status").select_option("new")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#question-total")).to_be_visible()
    expect(page.locator(f"tr[data-question='{staff.question.id}']")).to_have_count(0)

    # Export of the list.
    page.get_by_label("Show questions with status").select_option("all")
    page.get_by_role("button", name="Show").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = download.value.path().read_bytes().decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(exported)))
    mine = [r for r in table if r["text"] == QUESTION]
    assert mine and mine[0]["status"] == "Answer added" and mine[0]["theme"] == "water"
    assert FAMILY_NUMBER not in exported and redact_phone_numbers(exported) == exported

    # Every view and the export left a trace.
    views = logged(staff, "view", since)
    assert (
        "/" in views and "/questions" in views and any(v.startswith(f"/questions/{staff.question.id}") for v in views)
    )
    assert logged(staff, "status", since) == [f"/questions/{staff.question.id}"]
    assert len(logged(staff, "export", since)) == 1
    assert page.errors == []


def test_no_page_shows_a_phone_number_and_sign_out_ends_the_session(page, staff):
    sign_in(page, staff)
    for path in ("/", "/questions", f"/questions/{staff.question.id}", "/access-log"):
        page.goto(staff.url + path)
        html = page.content()
        assert FAMILY_NUMBER not in html and redact_phone_numbers(html) == html, path
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    stale = requests.get(staff.url + "/questions", cookies=cookies, allow_redirects=False, timeout=10)
    assert stale.status_code == 303
