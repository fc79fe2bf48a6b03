"""The credential scheme on its own: only what the server issued opens a conversation."""

import stat

import pytest

from bot.channels.web_sessions import MIN_SECRET_CHARS, SECRET_ENV, WebSessions, session_secret

SECRET = b"k" * 64


def test_a_fresh_request_gets_a_new_random_conversation():
    sessions = WebSessions(SECRET)
    first, second = sessions.open("conn-1", None), sessions.open("conn-2", None)
    assert first != second and len(first) == 32


def test_a_valid_credential_resumes_its_conversation_on_a_new_connection():
    sessions = WebSessions(SECRET)
    conversation = sessions.open("conn-1", None)
    sessions.close("conn-1")
    assert sessions.open("conn-2", sessions.credential(conversation)) == conversation
    assert sessions.holds("conn-2", sessions.credential(conversation)) == conversation


@pytest.mark.parametrize(
    "forged",
    [
        "sms-+15550100",  # a bare conversation id
        "sms-+15550100.0123456789abcdef0123456789abcdef",  # a made-up signature
        "abc.",
        ".",
        "",
        None,
        7,
        ["a.b"],
    ],
)
def test_anything_not_issued_opens_a_new_conversation(forged):
    sessions = WebSessions(SECRET)
    conversation = sessions.open("conn-1", forged)
    assert conversation not in ("sms-+15550100", "abc", "")
    assert sessions.holds("conn-1", forged) is None


def test_a_credential_from_another_secret_is_refused():
    ours, theirs = WebSessions(SECRET), WebSessions(b"x" * 64)
    conversation = theirs.open("conn-1", None)
    assert ours.open("conn-9", theirs.credential(conversation)) != conversation


def test_a_connection_holds_only_the_conversation_it_was_issued():
    sessions = WebSessions(SECRET)
    mine = sessions.open("conn-1", None)
    other = sessions.open("conn-2", None)
    assert sessions.holds("conn-1", sessions.credential(other)) is None
    assert sessions.holds("conn-1", sessions.credential(mine)) == mine
    sessions.close("conn-1")
    assert sessions.holds("conn-1", sessions.credential(mine)) is None


def test_the_secret_comes_from_the_environment_and_must_be_long(tmp_path):
    assert session_secret({SECRET_ENV: "a" * MIN_SECRET_CHARS}, tmp_path / "s") == b"a" * MIN_SECRET_CHARS
    with pytest.raises(ValueError, match=SECRET_ENV):
        session_secret({SECRET_ENV: "short"}, tmp_path / "s")
    assert not (tmp_path / "s").exists()


def test_without_one_a_private_secret_is_made_once_and_kept(tmp_path):
    path = tmp_path / "var" / "secret"
    first = session_secret({}, path)
    assert len(first) == 64 and session_secret({}, path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
