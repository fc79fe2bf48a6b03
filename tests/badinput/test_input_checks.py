"""The input checks of the REST and socket.io channels, in process (no servers)."""

import asyncio
import json

import pytest
import yaml
from sanic.exceptions import InvalidUsage

from bot import PROJECT_ROOT
from bot.channels.input_checks import (
    MAX_MESSAGE_CHARS,
    MAX_SENDER_CHARS,
    checked_session_id,
    checked_socketio_message,
    clean_text,
    guard_socketio_handlers,
    sender_problem,
    too_long_reply,
)
from bot.channels.rest import CheckedRestInput


def test_lone_surrogates_become_replacement_characters_and_pairs_stay():
    assert clean_text("a\ud800b\udfff") == "a\ufffdb\ufffd"
    assert clean_text("🙂 fine") == "🙂 fine"
    assert clean_text("what is the \ud800 saline week").encode("utf-8")


@pytest.mark.parametrize(
    "sender, ok",
    [
        ("abc", True),
        ("s" * MAX_SENDER_CHARS, True),
        ("s" * (MAX_SENDER_CHARS + 1), False),
        ("a\ud800", False),
        (12, False),
        (None, False),
        ({"a": 1}, False),
    ],
)
def test_sender_problem(sender, ok):
    assert (sender_problem(sender) is None) == ok


@pytest.mark.parametrize(
    "data",
    [
        None,
        "text",
        5,
        ["x"],
        {"message": 5, "session_id": "s"},
        {"message": ["x"], "session_id": "s"},
        {"message": None, "session_id": "s"},
        {"message": " \n\t", "session_id": "s"},
        {"message": "hi", "session_id": ["s"]},
        {"message": "hi", "session_id": "s" * 300},
        {"message": "hi", "session_id": "s", "metadata": "{not json"},
        {"message": "hi", "session_id": "s", "metadata": "[1]"},
        {"message": "hi", "session_id": "s", "metadata": 3},
    ],
)
def test_malformed_socketio_messages_are_ignored(data):
    assert checked_socketio_message(data, session_persistence=True, metadata_key="metadata") is None


def test_good_socketio_messages_pass_cleaned():
    checked = checked_socketio_message(
        {"message": "hi \ud800", "session_id": 7, "metadata": '{"a": 1}'},
        session_persistence=True,
        metadata_key="metadata",
    )
    assert checked == {"message": "hi \ufffd", "session_id": "7", "metadata": {"a": 1}}
    plain = {"message": "what is the saline week", "session_id": "abc"}
    assert checked_socketio_message(plain, True, "metadata") == plain
    # Without a session id Rasa's own handler warns and ignores the message.
    assert checked_socketio_message({"message": "hi"}, True, "metadata") == {"message": "hi"}


@pytest.mark.parametrize(
    "data, expected",
    [
        (None, None),
        ("session_id", None),
        (["x"], None),
        ({}, None),
        ({"session_id": None}, None),
        ({"session_id": {"a": 1}}, None),
        ({"session_id": "x" * 300}, None),
        ({"session_id": 99}, "99"),
        ({"session_id": "abc"}, "abc"),
    ],
)
def test_session_requests_ask_for_a_usable_id_or_a_new_session(data, expected):
    assert checked_session_id(data) == expected


class FakeSio:
    def __init__(self):
        self.handlers = {"/": {}}
        self.emitted = []

    async def emit(self, event, data, room=None, namespace=None):
        self.emitted.append((event, data, room))

    def on(self, event, namespace=None):
        def register(handler):
            self.handlers[namespace or "/"][event] = handler
            return handler

        return register


def test_guard_wraps_the_registered_handlers():
    sio, calls = FakeSio(), []

    async def handle_message(sid, data):
        calls.append(("message", sid, data))

    async def session_request(sid, data):
        calls.append(("session", sid, data))

    sio.handlers["/"] = {"user_uttered": handle_message, "session_request": session_request}
    guard_socketio_handlers(sio, None, "user_uttered", "bot_uttered", True, "metadata")

    async def go():
        handlers = sio.handlers["/"]
        await handlers["user_uttered"]("sid1")  # no data at all
        await handlers["user_uttered"]("sid1", "text")
        await handlers["user_uttered"]("sid1", {"message": "hi", "session_id": "s1"})
        await handlers["session_request"]("sid1")
        await handlers["session_request"]("sid1", {"session_id": ["x"]})
        await handlers["session_request"]("sid1", {"session_id": "s1"})

    asyncio.run(go())
    assert calls == [
        ("message", "sid1", {"message": "hi", "session_id": "s1"}),
        ("session", "sid1", {"session_id": None}),
        ("session", "sid1", {"session_id": None}),
        ("session", "sid1", {"session_id": "s1"}),
    ]
    assert sio.emitted == []


def test_a_long_socketio_message_is_cut_and_the_note_goes_to_its_room():
    sio, calls = FakeSio(), []

    async def handle_message(sid, data):
        calls.append(data["message"])

    async def session_request(sid, data):
        pass

    sio.handlers["/"] = {"user_uttered": handle_message, "session_request": session_request}
    guard_socketio_handlers(sio, None, "user_uttered", "bot_uttered", True, "metadata")
    asyncio.run(sio.handlers["/"]["user_uttered"]("sid1", {"message": "bg 45 " + "x" * 70000, "session_id": "s1"}))
    assert len(calls[0]) == MAX_MESSAGE_CHARS and calls[0].startswith("bg 45")
    assert sio.emitted == [("bot_uttered", {"text": too_long_reply()}, "s1")]


def test_credentials_register_the_checked_rest_channel_not_rasas():
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    assert "rest" not in credentials and "bot.channels.rest.CheckedRestInput" in credentials
    assert CheckedRestInput.name() == "rest"


class FakeRequest:
    def __init__(self, body):
        self.json = body


@pytest.mark.parametrize(
    "body", [None, [], 3, "x", {"sender": ["a"]}, {"sender": "x" * 256}, {"sender": "a\ud800"}, {"sender": True}]
)
def test_rest_refuses_bodies_and_senders_it_cannot_use(body):
    with pytest.raises(InvalidUsage):
        asyncio.run(CheckedRestInput()._extract_sender(FakeRequest(body)))


@pytest.mark.parametrize("body", [{"message": 1}, {"message": ["a"]}, {"message": {"a": 1}}, {"message": True}])
def test_rest_refuses_messages_that_are_not_strings(body):
    with pytest.raises(InvalidUsage):
        CheckedRestInput()._extract_message(FakeRequest(body))


def test_rest_accepts_what_rasa_accepts():
    channel = CheckedRestInput()
    request = FakeRequest({"sender": 42, "message": "hi \ud800", "metadata": {"a": 1}})
    assert asyncio.run(channel._extract_sender(request)) == "42"
    assert channel._extract_message(request) == "hi \ufffd"
    assert channel.get_metadata(request) == {"a": 1}
    assert channel._extract_input_channel(request) == "rest"
    assert asyncio.run(channel._extract_sender(FakeRequest({"message": "hi"}))) is None
    with pytest.raises(InvalidUsage):
        channel.get_metadata(FakeRequest({"metadata": "x"}))
    assert json.dumps(channel._extract_message(FakeRequest({"message": None}))) == "null"
