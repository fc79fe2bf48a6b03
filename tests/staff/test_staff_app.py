"""The staff review page's rules, on a real SQLite app database, through StaffApp.handle
(the whole request path but the socket): sign-in, sessions, CSRF, the access log,
retention, masking and the CSV. The browser walk-through is tests/web/test_staff_browser.py."""

import re
import subprocess
import sys
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from bot import PROJECT_ROOT
from bot.core.text.phones import MASK, redact_phone_numbers
from bot.db.engine import session_factory
from bot.db.tables import AccessLogEntry, Escalation, StaffSession, StaffUser, UnansweredQuestion, utcnow
from bot.staff import accounts, export, review, sessions
from bot.staff.server import Request, StaffApp, local_path

PASSWORD = "a long enough secret"


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    with session_factory(url).begin() as db:
        accounts.add_user(db, "ana", PASSWORD)
    clock = review.Clock.from_env({"RETENTION_DAYS": "30"})
    settings = sessions.SessionSettings(lifetime=timedelta(hours=8), idle=timedelta(minutes=30))
    return StaffApp(
        app_database_url=url, tracker_store_url=f"sqlite:///{tmp_path / 'none.db'}", clock=clock, settings=settings
    )


def rows(app, model):
    with app.db() as db:
        return list(db.scalars(select(model)))


def login_form(app):
    page = app.handle(Request("GET", "/login", {"host": "h"}))
    return re.search(r'name="csrf" value="([^"]+)"', page.body.decode()).group(1)


def sign_in(app, username="ana", password=PASSWORD, headers=None):
    token = login_form(app)
    body = f"csrf={token}&username={username}&password={password.replace(' ', '+')}&next=/questions".encode()
    return app.handle(
        Request(
            "POST", "/login", {"host": "h", "cookie": f"staff_login_csrf={token}", **(headers or {})}, body, "10.0.0.9"
        )
    )


def session_cookie(response):
    cookie = next(v for k, v in response.headers if k == "Set-Cookie" and v.startswith("staff_session="))
    return cookie.split(";")[0]


def get(app, path, cookie):
    return app.handle(Request("GET", path, {"host": "h", "cookie": cookie}))


def csrf_of(app, cookie):
    return re.search(r'name="csrf" value="([^"]+)"', get(app, "/questions", cookie).body.decode()).group(1)


def test_sign_in_with_the_right_password_gives_a_strict_http_only_cookie(app):
    response = sign_in(app)
    assert response.status == 303 and ("Location", "/questions") in response.headers
    cookie = next(v for k, v in response.headers if k == "Set-Cookie" and v.startswith("staff_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=28800" in cookie
    assert get(app, "/", session_cookie(response)).status == 200
    # Only the token's hash is stored.
    token = session_cookie(response).split("=", 1)[1]
    assert all(token not in (s.token_hash, s.csrf_token) for s in rows(app, StaffSession))


def test_wrong_password_unknown_name_and_a_missing_form_token_are_refused(app):
    assert sign_in(app, password="not the password").status == 401
    assert sign_in(app, username="nobody").status == 401
    bad = app.handle(Request("POST", "/login", {"host": "h"}, f"csrf=x&username=ana&password={PASSWORD}".encode()))
    assert bad.status == 403
    assert not rows(app, StaffSession)
    assert [e.action for e in rows(app, AccessLogEntry)] == ["sign_in_refused", "sign_in_refused"]


def test_five_wrong_passwords_lock_the_name_for_fifteen_minutes(app):
    for _ in range(5):
        assert sign_in(app, password="guess guess guess").status == 401
    assert sign_in(app).status == 401  # even the right password, for now
    with app.db.begin() as db:
        for entry in db.scalars(select(AccessLogEntry)):
            entry.created_at -= timedelta(minutes=16)
    assert sign_in(app).status == 303


def test_a_form_post_from_another_site_or_without_the_token_is_refused(app):
    cookie = session_cookie(sign_in(app))
    with app.db.begin() as db:
        db.add(UnansweredQuestion(channel="rest", conversation_id="c", intent="not_covered", text="q", theme="t"))
    token = csrf_of(app, cookie)
    post = lambda body, **h: app.handle(  # noqa: E731
        Request("POST", "/questions/1/status", {"host": "h", "cookie": cookie, **h}, body.encode())
    )
    assert post("status=out_of_scope").status == 403
    assert post("status=out_of_scope&csrf=wrong").status == 403
    assert post(f"status=out_of_scope&csrf={token}", origin="https://evil.example").status == 403
    assert post(f"status=out_of_scope&csrf={token}", **{"sec-fetch-site": "cross-site"}).status == 403
    assert rows(app, UnansweredQuestion)[0].status is None
    assert post(f"status=out_of_scope&csrf={token}", origin="http://h").status == 303
    assert rows(app, UnansweredQuestion)[0].status == "out_of_scope"
    assert rows(app, UnansweredQuestion)[0].status_changed_by == "ana"


def test_without_a_session_nothing_is_shown(app):
    with app.db.begin() as db:
        db.add(
            UnansweredQuestion(channel="rest", conversation_id="c", intent="not_covered", text="secret q", theme="t")
        )
    for path in ("/", "/questions", "/questions/1", "/escalations/1", "/access-log", "/export/questions.csv"):
        for cookie in ("", "staff_session=forged"):
            response = get(app, path, cookie)
            assert response.status == 303 and response.body == b"", path
            assert dict(response.headers)["Location"].startswith("/login?next=")
    assert app.handle(Request("POST", "/questions/1/status", {"host": "h"}, b"status=new")).status == 403
    assert app.handle(Request("POST", "/logout", {"host": "h"}, b"")).status == 403


def test_sessions_end_when_idle_expired_signed_out_or_the_account_is_disabled(app):
    cookie = session_cookie(sign_in(app))
    with app.db.begin() as db:
        db.scalars(select(StaffSession)).one().last_seen_at -= timedelta(minutes=31)
    assert get(app, "/", cookie).status == 303

    cookie = session_cookie(sign_in(app))
    with app.db.begin() as db:
        db.scalars(select(StaffSession)).one().expires_at = utcnow() - timedelta(seconds=1)
    assert get(app, "/", cookie).status == 303

    cookie = session_cookie(sign_in(app))
    out = app.handle(
        Request("POST", "/logout", {"host": "h", "cookie": cookie}, f"csrf={csrf_of(app, cookie)}".encode())
    )
    assert out.status == 303 and get(app, "/", cookie).status == 303

    cookie = session_cookie(sign_in(app))
    with app.db.begin() as db:
        accounts.set_disabled(db, "ana", True)
    assert get(app, "/", cookie).status == 303 and sign_in(app).status == 401


def test_every_view_and_export_is_in_the_access_log(app):
    cookie = session_cookie(sign_in(app))
    paths = ["/", "/questions?days=30", "/access-log", "/export/escalations.csv?days=7", "/export/questions.csv"]
    for path in paths:
        assert get(app, path, cookie).status == 200
    logged = [(e.username, e.action, e.target, e.client) for e in rows(app, AccessLogEntry)]
    assert logged[0] == ("ana", "sign_in", "/login", "10.0.0.9")
    assert [(a, t) for _, a, t, _ in logged[1:]] == [
        ("view", "/"),
        ("view", "/questions?days=30"),
        ("view", "/access-log"),
        ("export", "/export/escalations.csv?days=7"),
        ("export", "/export/questions.csv"),
    ]


def test_nothing_older_than_the_retention_period_is_shown_even_before_it_is_deleted(app):
    with app.db.begin() as db:
        for days, text in ((31, "old question"), (2, "new question")):
            db.add(
                UnansweredQuestion(
                    created_at=utcnow() - timedelta(days=days),
                    channel="rest",
                    conversation_id="c",
                    intent="not_covered",
                    text=text,
                    theme="t",
                )
            )
            db.add(
                Escalation(
                    created_at=utcnow() - timedelta(days=days),
                    channel="rest",
                    conversation_id="c",
                    level="clinic",
                    reason=text,
                )
            )
    cookie = session_cookie(sign_in(app))
    page = get(app, "/questions?days=365", cookie).body.decode()
    assert "new question" in page and "old question" not in page
    assert get(app, "/questions/1", cookie).status == 404 and get(app, "/questions/2", cookie).status == 200
    assert "old question" not in get(app, "/?days=365", cookie).body.decode()
    assert "old question" not in get(app, "/export/questions.csv?days=365", cookie).body.decode()


def test_family_text_is_escaped_and_phone_numbers_are_masked(app):
    with app.db.begin() as db:
        db.add(
            UnansweredQuestion(
                channel="rest",
                conversation_id="+1 555 010 4477",
                intent="not_covered",
                theme="t",
                text="<script>alert(1)</script> call me at (555) 010-4477",
            )
        )
    cookie = session_cookie(sign_in(app))
    for path in ("/questions", "/questions/1", "/export/questions.csv"):
        body = get(app, path, cookie).body.decode("utf-8")
        assert "010-4477" not in body and "010 4477" not in body and MASK in body, path
        assert path.endswith(".csv") or "<script>alert" not in body  # a CSV holds text, not HTML
    assert "&lt;script&gt;" in get(app, "/questions", cookie).body.decode()


def test_pages_carry_headers_that_keep_them_out_of_caches_and_frames(app):
    response = get(app, "/login", "")
    headers = dict(response.headers)
    assert headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"
    assert (
        "script-src" not in headers["Content-Security-Policy"]
        and "default-src 'none'" in headers["Content-Security-Policy"]
    )


@pytest.mark.parametrize(
    "text, masked",
    [
        ("call me at +1 (555) 010-4477 please", f"call me at {MASK} please"),
        ("555.010.4477", MASK),
        ("55 1234 5678", MASK),
        ("+34 612 345 678", MASK),
        ("5550104477", MASK),
        ("school nurse 010-4477", f"school nurse {MASK}"),
        ("bg 120 130 145 today", "bg 120 130 145 today"),
        ("19.5 mmol at 10:30 on 2026-12-04", "19.5 mmol at 10:30 on 2026-12-04"),
        ("gave 2 units, 45 mg/dl", "gave 2 units, 45 mg/dl"),
        ("sms-3f9a0c7d", "sms-3f9a0c7d"),
    ],
)
def test_phone_numbers_are_masked_readings_are_not(text, masked):
    assert redact_phone_numbers(text) == masked


def test_a_csv_cell_never_starts_a_formula():
    body = export.to_csv([{"text": '=HYPERLINK("x")'}, {"text": "-5 units?"}, {"text": "fine"}], ["text"])
    lines = body.decode("utf-8-sig").splitlines()
    assert lines == ["text", '"\'=HYPERLINK(""x"")"', "'-5 units?", "fine"]


def test_next_after_sign_in_stays_on_this_site():
    assert local_path("/questions?days=7") == "/questions?days=7"
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil", "", None):
        assert local_path(bad) == "/"


def test_passwords_are_argon2id_and_short_or_reused_ones_are_refused(app):
    [user] = rows(app, StaffUser)
    assert user.password_hash.startswith("$argon2id$")
    PasswordHasher().verify(user.password_hash, PASSWORD)
    with app.db.begin() as db:
        with pytest.raises(accounts.AccountError, match="12 characters"):
            accounts.add_user(db, "ben", "short")
        with pytest.raises(accounts.AccountError, match="user name"):
            accounts.add_user(db, "benjamin", "benjamin-is-my-password")
        with pytest.raises(accounts.AccountError, match="already"):
            accounts.add_user(db, "ANA", "another long password")
        with pytest.raises(accounts.AccountError, match="user name is"):
            accounts.add_user(db, "a b", "another long password")


def test_the_documented_command_creates_the_first_account(tmp_path):
    env = {"APP_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "PATH": "/usr/bin:/bin"}
    run = lambda *args, stdin="": subprocess.run(  # noqa: E731
        [sys.executable, "-m", "bot", "staff", *args],
        input=stdin,
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    made = run("add", "nurse.ana", "--password-stdin", stdin="twelve chars or more\n")
    assert made.returncode == 0, made.stderr
    again = run("add", "nurse.ana", "--password-stdin", stdin="twelve chars or more\n")
    assert again.returncode == 2 and "already" in again.stderr
    weak = run("add", "ben", "--password-stdin", stdin="short\n")
    assert weak.returncode == 2 and "12 characters" in weak.stderr
    assert "nurse.ana" in run("list").stdout and "ben" not in run("list").stdout
    assert run("disable", "nurse.ana").returncode == 0 and "disabled" in run("list").stdout
