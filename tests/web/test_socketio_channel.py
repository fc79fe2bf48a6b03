"""The website's socket.io channel: origins, configuration, and replies really delivered.

Rasa issue 13027: with python-socketio >= 5.10, Rasa 3.6's socketio channel
silently drops every bot reply when session_persistence is on (enter_room
became a coroutine that Rasa never awaits). pyproject.toml pins 5.9.0; the
tests below talk to a real Rasa server with a python-socketio client and fail
if replies stop arriving.
"""

import asyncio
import os
import subprocess
import sys
from importlib.metadata import version
from typing import List, Optional, Tuple

import aiohttp
import pytest
import requests
import socketio

from bot import PROJECT_ROOT
from bot.channels import socketio as channel
from bot.channels.socketio import DEFAULT_ORIGINS, RestrictedSocketIOInput, allowed_origins, parse_origins
from tests.web.conftest import SOCKETIO_CHANNEL as CHANNEL
from tests.web.conftest import project_credentials
from tools.stack.servers import free_port, wait_http

# ---- unit: configuration ---------------------------------------------------------


def test_parse_origins_splits_strips_and_dedupes():
    assert parse_origins(" https://a.example/ ,http://localhost:8080,,https://a.example") == [
        "https://a.example",
        "http://localhost:8080",
    ]
    assert parse_origins(["http://x.example:81"]) == ["http://x.example:81"]
    assert parse_origins(None) == [] and parse_origins("") == []


@pytest.mark.parametrize("bad", ["*", "localhost:8080", "https://ok.example,*"])
def test_parse_origins_refuses_wildcards_and_bare_hosts(bad):
    with pytest.raises(ValueError):
        parse_origins(bad)


def test_allowed_origins_environment_then_credentials_then_default(monkeypatch):
    monkeypatch.delenv(channel.ORIGINS_ENV, raising=False)
    assert allowed_origins() == list(DEFAULT_ORIGINS)
    assert "http://localhost:8080" in DEFAULT_ORIGINS
    assert allowed_origins("https://cred.example") == ["https://cred.example"]
    monkeypatch.setenv(channel.ORIGINS_ENV, "https://clinic.example, https://www.clinic.example")
    assert allowed_origins("https://cred.example") == ["https://clinic.example", "https://www.clinic.example"]


def test_blueprint_turns_the_origin_check_on(monkeypatch):
    monkeypatch.setenv(channel.ORIGINS_ENV, "https://clinic.example")
    creds = project_credentials()[CHANNEL]
    input_channel = RestrictedSocketIOInput.from_credentials(creds)

    async def on_new_message(_message):
        return None

    input_channel.blueprint(on_new_message)
    # Rasa's own class leaves [] here, which disables engineio's origin check.
    assert input_channel.sio.eio.cors_allowed_origins == ["https://clinic.example"]
    assert input_channel.session_persistence is True
    assert input_channel.name() == "socketio"


def test_credentials_register_the_restricted_channel_not_the_builtin():
    creds = project_credentials()
    assert "socketio" not in creds
    assert creds[CHANNEL] == {
        "user_message_evt": "user_uttered",
        "bot_message_evt": "bot_uttered",
        "session_persistence": True,
    }


APP_WITH_SANIC_CORS = """
import sys, yaml
from rasa.core.run import configure_app
from bot.channels.socketio import RestrictedSocketIOInput
creds = yaml.safe_load(open("credentials.yml"))["bot.channels.socketio.RestrictedSocketIOInput"]
app = configure_app([RestrictedSocketIOInput.from_credentials(creds)], cors="*", enable_api=False)
app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False)
"""


@pytest.mark.timeout(120)
def test_origin_check_and_single_cors_headers_under_rasa_run_cors(tmp_path):
    """`make run` passes `rasa run --cors`: Sanic-CORS must not double engineio's headers
    ("Access-Control-Allow-Origin: x, x" makes browsers drop the polling transport)."""
    port, origin = free_port(), "http://localhost:8080"
    script = tmp_path / "app.py"
    script.write_text(APP_WITH_SANIC_CORS)
    env = {**os.environ, channel.ORIGINS_ENV: origin, "RASA_TELEMETRY_ENABLED": "false"}
    with open(tmp_path / "app.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(port)], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            handshake = f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling"
            wait_http(handshake, timeout=90, proc=proc)
            allowed = requests.get(handshake, headers={"Origin": origin}, timeout=10)
            assert allowed.status_code == 200
            assert allowed.headers["Access-Control-Allow-Origin"] == origin
            assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
            refused = requests.get(handshake, headers={"Origin": "https://elsewhere.example"}, timeout=10)
            assert refused.status_code == 400
            assert "Access-Control-Allow-Origin" not in refused.headers
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def test_python_socketio_is_pinned_below_5_10():
    # Rasa issue 13027: 5.10+ drops replies with session_persistence on.
    assert version("python-socketio") == "5.9.0"
    assert version("python-engineio").startswith(("4.7.", "4.8."))


# ---- integration: a python-socketio client against the real Rasa server --------------

REPLY_TIMEOUT = 90  # the first message after start also warms the model up
QUIET_AFTER_REPLY = 3


async def converse(
    url: str, texts: List[str], origin: Optional[str], session_id: Optional[str] = None, transport: str = "websocket"
) -> Tuple[str, List[List[dict]]]:
    """Connect, request a session, send each text; returns (session id, replies per text)."""
    http = aiohttp.ClientSession()  # ours, so it is closed even when connecting fails
    client = socketio.AsyncClient(reconnection=False, http_session=http)
    loop = asyncio.get_running_loop()
    confirmed = loop.create_future()
    replies: asyncio.Queue = asyncio.Queue()

    def on_confirm(data):
        if not confirmed.done():
            confirmed.set_result(data)

    client.on("session_confirm", on_confirm)
    client.on("bot_uttered", replies.put_nowait)
    headers = {"Origin": origin} if origin else {}
    try:
        await client.connect(url, headers=headers, transports=[transport], socketio_path="socket.io", wait_timeout=15)
        await client.emit("session_request", {"session_id": session_id})
        session = await asyncio.wait_for(confirmed, 15)
        results = []
        for text in texts:
            await client.emit("user_uttered", {"message": text, "session_id": session})
            got = [await asyncio.wait_for(replies.get(), REPLY_TIMEOUT)]
            while True:
                try:
                    got.append(await asyncio.wait_for(replies.get(), QUIET_AFTER_REPLY))
                except asyncio.TimeoutError:
                    break
            results.append(got)
        return session, results
    finally:
        await client.disconnect()
        await http.close()


def texts_of(replies: List[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_replies_delivered_with_session_persistence(web_stack, transport):
    session, (replies,) = asyncio.run(
        converse(web_stack.rasa_url, ["what is the saline week"], web_stack.origin, transport=transport)
    )
    assert session
    text = texts_of(replies)
    assert "saline" in text.lower() and "Source:" in text, replies
    # The related topics come as quick replies on the last part of the answer.
    buttons = [b for r in replies for b in r.get("quick_replies", [])]
    assert buttons and all(b["payload"].startswith("/") for b in buttons), replies


@pytest.mark.timeout(600)
def test_conversation_continues_after_reconnecting_with_the_session_id(web_stack):
    session, _ = asyncio.run(converse(web_stack.rasa_url, ["what is the saline week"], web_stack.origin))
    again, (replies,) = asyncio.run(
        converse(web_stack.rasa_url, ["/ask_insulin_start"], web_stack.origin, session_id=session)
    )
    assert again == session
    assert "Insulin starts in the pump" in texts_of(replies), replies
    conversation_id = session.rsplit(".", 1)[0]
    tracker = requests.get(web_stack.rasa.api(f"/conversations/{conversation_id}/tracker"), timeout=10).json()
    said = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert said == ["what is the saline week", "/ask_insulin_start"]


@pytest.mark.timeout(600)
def test_only_configured_origins_may_open_a_socket(web_stack):
    handshake = f"{web_stack.rasa_url}/socket.io/?EIO=4&transport=polling"
    allowed = requests.get(handshake, headers={"Origin": web_stack.origin}, timeout=10)
    assert allowed.status_code == 200
    assert allowed.headers.get("Access-Control-Allow-Origin") == web_stack.origin
    refused = requests.get(handshake, headers={"Origin": "https://elsewhere.example"}, timeout=10)
    assert refused.status_code == 400
    assert refused.headers.get("Access-Control-Allow-Origin") in (None, web_stack.origin)
    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(converse(web_stack.rasa_url, [], "https://elsewhere.example"))


async def _listen(url, origin, credential, seconds):
    """A second client: asks for `credential`'s session, then collects what reaches it."""
    http = aiohttp.ClientSession()
    client = socketio.AsyncClient(reconnection=False, http_session=http)
    confirmed, heard = asyncio.get_running_loop().create_future(), []
    client.on("session_confirm", lambda data: confirmed.done() or confirmed.set_result(data))
    client.on("bot_uttered", heard.append)
    try:
        await client.connect(url, headers={"Origin": origin}, transports=["websocket"], socketio_path="socket.io")
        await client.emit("session_request", {"session_id": credential})
        given = await asyncio.wait_for(confirmed, 15)
        await asyncio.sleep(seconds)
        return given, heard
    finally:
        await client.disconnect()
        await http.close()


@pytest.mark.timeout(600)
def test_someone_elses_session_id_opens_nothing_of_theirs(web_stack):
    url, origin = web_stack.rasa_url, web_stack.origin

    async def scenario():
        http = aiohttp.ClientSession()
        victim = socketio.AsyncClient(reconnection=False, http_session=http)
        confirmed, replies = asyncio.get_running_loop().create_future(), asyncio.Queue()
        victim.on("session_confirm", lambda data: confirmed.done() or confirmed.set_result(data))
        victim.on("bot_uttered", replies.put_nowait)
        await victim.connect(url, headers={"Origin": origin}, transports=["websocket"], socketio_path="socket.io")
        await victim.emit("session_request", {"session_id": None})
        credential = await asyncio.wait_for(confirmed, 15)
        conversation_id = credential.rsplit(".", 1)[0]
        try:
            # An intruder knows the conversation id (it is in the tracker store) and asks for it,
            # while the victim talks.
            intruder = asyncio.ensure_future(_listen(url, origin, conversation_id, 8))
            await asyncio.sleep(1)
            await victim.emit("user_uttered", {"message": "what is the saline week", "session_id": credential})
            victim_heard = [await asyncio.wait_for(replies.get(), REPLY_TIMEOUT)]
            given, intruder_heard = await intruder
            # Another intruder holds the victim's whole credential, but its connection was never
            # issued it: a message it sends is refused.
            http2 = aiohttp.ClientSession()
            forger = socketio.AsyncClient(reconnection=False, http_session=http2)
            await forger.connect(url, headers={"Origin": origin}, transports=["websocket"], socketio_path="socket.io")
            await forger.emit("user_uttered", {"message": "forged words", "session_id": credential})
            await asyncio.sleep(3)
            await forger.disconnect()
            await http2.close()
            return conversation_id, victim_heard, given, intruder_heard
        finally:
            await victim.disconnect()
            await http.close()

    conversation_id, victim_heard, given, intruder_heard = asyncio.run(scenario())
    assert "saline" in texts_of(victim_heard).lower()
    assert not given.startswith(conversation_id), "the intruder got a conversation of its own"
    assert intruder_heard == [], intruder_heard
    tracker = requests.get(web_stack.rasa.api(f"/conversations/{conversation_id}/tracker"), timeout=10).json()
    said = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert said == ["what is the saline week"], said


@pytest.mark.timeout(600)
def test_clear_chat_leaves_the_old_conversation(web_stack):
    url, origin = web_stack.rasa_url, web_stack.origin

    async def scenario():
        http = aiohttp.ClientSession()
        client = socketio.AsyncClient(reconnection=False, http_session=http)
        confirms, replies = asyncio.Queue(), asyncio.Queue()
        client.on("session_confirm", confirms.put_nowait)
        client.on("bot_uttered", replies.put_nowait)
        await client.connect(url, headers={"Origin": origin}, transports=["websocket"], socketio_path="socket.io")
        try:
            await client.emit("session_request", {"session_id": None})
            old = await asyncio.wait_for(confirms.get(), 15)
            await client.emit("session_request", {"session_id": None})  # "Clear chat"
            new = await asyncio.wait_for(confirms.get(), 15)
            # The old conversation's credential no longer works on this connection.
            await client.emit("user_uttered", {"message": "what is the saline week", "session_id": old})
            await asyncio.sleep(4)
            stale = []
            while not replies.empty():
                stale.append(replies.get_nowait())
            await client.emit("user_uttered", {"message": "what is the saline week", "session_id": new})
            fresh = await asyncio.wait_for(replies.get(), REPLY_TIMEOUT)
            return old, new, stale, fresh
        finally:
            await client.disconnect()
            await http.close()

    old, new, stale, fresh = asyncio.run(scenario())
    assert old != new and stale == [] and "saline" in fresh.get("text", "").lower()
