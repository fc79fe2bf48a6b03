"""The bad-input corpus (tests/badinput/corpus.py) over REST, socket.io and SMS.

One stack for the module: the trained bot behind `rasa run` with the REST,
website socket.io and SMS channels, the real action server, and the HTTP
stand-in for the SMS provider. Nothing may answer 500 or crash; afterwards each
channel still answers a normal question, both processes are alive and the logs
hold no traceback from the project's code.

Socket.io and SMS handle messages after the request has returned, so each
input is followed until its turn is over: on socket.io by a sentinel question
on the same session (Rasa handles one conversation's messages in order, so its
answer comes after the bad input's turn), on SMS by the conversation tracker
and the provider stand-in.
"""

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import time
from collections import Counter
from typing import List, Optional

import aiohttp
import pytest
import requests
import socketio
from twilio.request_validator import RequestValidator

from bot import PROJECT_ROOT
from bot.channels.sms.format import parse_keyword
from bot.core.answers import topic_reply
from bot.core.knowledge import get_knowledge
from tests.badinput.corpus import (
    JSON_ONLY_TEXTS,
    NO_PAYLOAD,
    REST_JSON_BODIES,
    REST_RAW_BODIES,
    SMS_FORM_VARIANTS,
    SMS_RAW_POSTS,
    SOCKETIO_PAYLOADS,
    TEXTS,
)
from tools.stack.servers import rasa_stack

pytestmark = pytest.mark.timeout(300)

K = get_knowledge()
SOCKETIO_CHANNEL = "bot.channels.socketio.RestrictedSocketIOInput"
ORIGIN = "https://clinic.example.test"
TOKEN, SALT, ACCOUNT = "badinput-token", "badinput-salt", "ACbadinput"
OUR_NUMBER = "+15550109997"
WEBHOOK_URL = "https://sms.example.test/webhooks/sms/webhook"
SENTINEL = "/ask_saline_week"  # a button payload: answered the same way every time
TURN_TIMEOUT = 90  # the first turns also warm the model up
PHONES = (f"+1555020{n:04d}" for n in itertools.count(1))
SIDS = itertools.count(1)
SENT = Counter()  # inputs sent, per channel
STATUSES = Counter()  # (channel, status) of HTTP answers


def saline_answer() -> str:
    return K.fill(K.by_id["saline_week"].answer)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, provider):
    credentials = {
        SOCKETIO_CHANNEL: {
            "user_message_evt": "user_uttered",
            "bot_message_evt": "bot_uttered",
            "session_persistence": True,
        },
        "bot.channels.sms.SmsInput": None,
    }
    env = {
        "WEB_ALLOWED_ORIGINS": ORIGIN,
        "SMS_ACCOUNT_SID": ACCOUNT,
        "SMS_AUTH_TOKEN": TOKEN,
        "SMS_FROM_NUMBER": OUR_NUMBER,
        "SMS_API_BASE_URL": provider.url,
        "SMS_WEBHOOK_URL": WEBHOOK_URL,
        "SMS_HASH_SALT": SALT,
    }
    with rasa_stack(tmp_path_factory.mktemp("badinput"), credentials=credentials, env_extra=env) as server:
        yield server


def record(channel: str, status: Optional[int] = None) -> None:
    SENT[channel] += 1
    if status is not None:
        STATUSES[(channel, status)] += 1


# ---- REST ---------------------------------------------------------------------------------


def rest_post(stack, data: bytes, content_type: Optional[str], query: str = "") -> requests.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    response = requests.post(
        f"{stack.url}/webhooks/rest/webhook{query}", data=data, headers=headers, timeout=TURN_TIMEOUT
    )
    record("rest", response.status_code)
    return response


def assert_no_server_error(response: requests.Response) -> None:
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"


ALL_TEXTS = TEXTS + JSON_ONLY_TEXTS


@pytest.mark.parametrize("query", ["", "?stream=true"], ids=["plain", "stream"])
@pytest.mark.parametrize("name, text", ALL_TEXTS, ids=[n for n, _ in ALL_TEXTS])
def test_rest_text(stack, name, text, query):
    body = json.dumps({"sender": f"badinput-rest-{name}-{bool(query)}", "message": text}).encode()
    response = rest_post(stack, body, "application/json", query)
    assert_no_server_error(response)
    assert response.status_code == 200
    if not query:
        assert isinstance(response.json(), list)


@pytest.mark.parametrize("name, body", REST_JSON_BODIES, ids=[n for n, _ in REST_JSON_BODIES])
def test_rest_json_of_the_wrong_shape(stack, name, body):
    assert_no_server_error(rest_post(stack, json.dumps(body).encode(), "application/json"))


@pytest.mark.parametrize("name, body, content_type", REST_RAW_BODIES, ids=[n for n, _, _ in REST_RAW_BODIES])
def test_rest_raw_body(stack, name, body, content_type):
    assert_no_server_error(rest_post(stack, body, content_type))


# ---- socket.io ---------------------------------------------------------------------------


class SocketClient:
    """A python-socketio client on one chat session, as the website widget uses it."""

    def __init__(self, url: str):
        self.url = url
        self.replies: asyncio.Queue = asyncio.Queue()

    async def __aenter__(self) -> "SocketClient":
        self.http = aiohttp.ClientSession()
        self.client = socketio.AsyncClient(reconnection=False, http_session=self.http)
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.client.on("session_confirm", self.confirmed.put_nowait)
        self.client.on("bot_uttered", self.replies.put_nowait)
        try:
            await self.client.connect(
                self.url,
                headers={"Origin": ORIGIN},
                transports=["websocket"],
                socketio_path="socket.io",
                wait_timeout=15,
            )
            await self.client.emit("session_request", {"session_id": None})
            self.session = await asyncio.wait_for(self.confirmed.get(), 15)
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        try:
            await self.client.disconnect()
        finally:
            await self.http.close()

    async def emit(self, event: str, payload) -> None:
        record("socketio")
        if payload is NO_PAYLOAD:
            await self.client.emit(event)
        elif payload is None or not isinstance(payload, (dict, list)):
            await self.client.emit(event, (payload,))  # a 1-tuple: exactly one argument, even null
        else:
            await self.client.emit(event, payload)

    async def sentinel(self) -> List[dict]:
        """Ask the sentinel question; returns the replies that came before its answer."""
        await self.client.emit("user_uttered", {"message": SENTINEL, "session_id": self.session})
        before = []
        deadline = time.monotonic() + TURN_TIMEOUT
        while True:
            reply = await asyncio.wait_for(self.replies.get(), max(0.1, deadline - time.monotonic()))
            if (reply.get("text") or "").startswith(saline_answer()):
                return before
            before.append(reply)

    async def still_confirms_sessions(self) -> None:
        await self.client.emit("session_request", {"session_id": self.session})
        while await asyncio.wait_for(self.confirmed.get(), 15) != self.session:
            pass


def socket_round(stack, event: str, payload) -> List[dict]:
    async def go():
        async with SocketClient(stack.url) as client:
            if isinstance(payload, dict):
                data = {k: (client.session if v == "SESSION" else v) for k, v in payload.items()}
            else:
                data = payload
            await client.emit(event, data)
            if event == "session_request":
                # Whatever its shape, a session request is answered with a credential, and the
                # connection follows it: a request without a valid one opens a fresh conversation.
                client.session = await asyncio.wait_for(client.confirmed.get(), 15)
            replies = await client.sentinel()
            await client.still_confirms_sessions()
            assert client.client.connected
            return replies

    replies = asyncio.run(go())
    assert requests.get(stack.api("/status"), timeout=10).status_code == 200
    return replies


@pytest.mark.parametrize("name, text", ALL_TEXTS, ids=[n for n, _ in ALL_TEXTS])
def test_socketio_text(stack, name, text):
    socket_round(stack, "user_uttered", {"message": text, "session_id": "SESSION"})


@pytest.mark.parametrize("name, event, payload", SOCKETIO_PAYLOADS, ids=[n for n, _, _ in SOCKETIO_PAYLOADS])
def test_socketio_payload_of_the_wrong_shape(stack, name, event, payload):
    socket_round(stack, event, payload)


def test_socketio_handshakes_that_are_not_socket_io(stack):
    """Raw HTTP at the socket.io path: refused or answered, never a 500."""
    base = f"{stack.url}/socket.io/"
    calls = [
        ("GET", base, {}, None),
        ("GET", base + "?EIO=4", {}, None),
        ("GET", base + "?EIO=999&transport=polling", {}, None),
        ("GET", base + "?EIO=4&transport=carrier-pigeon", {}, None),
        ("GET", base + "?EIO=4&transport=polling&sid=not-a-session", {}, None),
        ("POST", base + "?EIO=4&transport=polling&sid=not-a-session", {}, b"40"),
        ("POST", base + "?EIO=4&transport=polling", {"Content-Type": "application/json"}, b"{"),
        ("GET", base + "?EIO=4&transport=websocket", {}, None),  # no Upgrade header
        ("GET", base + "?EIO=4&transport=polling", {"Origin": "null"}, None),
        ("GET", base + "?EIO=4&transport=polling&" + "x" * 8000 + "=1", {}, None),
    ]
    for method, url, headers, body in calls:
        response = requests.request(method, url, headers=headers, data=body, timeout=30)
        record("socketio-http", response.status_code)
        assert_no_server_error(response)


# ---- SMS ------------------------------------------------------------------------------------


def sms_sender_id(phone: str) -> str:
    return "sms-" + hmac.new(SALT.encode(), phone.strip().encode(), hashlib.sha256).hexdigest()[:32]


def sms_form(phone: Optional[str], body: Optional[str], overrides: Optional[dict] = None) -> dict:
    form = {
        "ToCountry": "US",
        "FromCity": "",
        "SmsStatus": "received",
        "From": phone,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "MessageSid": f"SMbadinput{next(SIDS):022d}",
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
    }
    form.update(overrides or {})
    return {k: v for k, v in form.items() if v is not None}


def sms_post(stack, form: dict) -> requests.Response:
    signature = RequestValidator(TOKEN).compute_signature(WEBHOOK_URL, form)
    response = requests.post(
        f"{stack.url}/webhooks/sms/webhook", data=form, headers={"X-Twilio-Signature": signature}, timeout=30
    )
    record("sms", response.status_code)
    return response


def tracker_events(stack, sender: str) -> list:
    response = requests.get(stack.api(f"/conversations/{sender}/tracker?include_events=ALL"), timeout=30)
    response.raise_for_status()
    return response.json().get("events") or []


def wait_sms_handled(stack, provider, phone: str, body: str) -> None:
    """Until the channel answered by itself, or Rasa finished the turn (it saves the tracker last)."""
    to_rasa = bool(body.strip()) and parse_keyword(body) is None
    deadline = time.time() + TURN_TIMEOUT
    while time.time() < deadline:
        if to_rasa:
            events = tracker_events(stack, sms_sender_id(phone))
            if any(e.get("event") == "user" for e in events) and events[-1].get("name") == "action_listen":
                return
        elif provider.posts_to(phone):
            return
        time.sleep(0.25)
    raise AssertionError(f"the SMS {body[:80]!r} from {phone} was not handled in {TURN_TIMEOUT} s")


SMS_TEXTS = TEXTS  # a form post carries UTF-8 only


@pytest.mark.parametrize("name, text", SMS_TEXTS, ids=[n for n, _ in SMS_TEXTS])
def test_sms_text(stack, provider, name, text):
    phone = next(PHONES)
    response = sms_post(stack, sms_form(phone, text))
    assert_no_server_error(response)
    assert response.status_code == 200
    wait_sms_handled(stack, provider, phone, text)


@pytest.mark.parametrize("name, overrides", SMS_FORM_VARIANTS, ids=[n for n, _ in SMS_FORM_VARIANTS])
def test_sms_form_with_odd_fields(stack, provider, name, overrides):
    phone = next(PHONES)
    form = sms_form(phone, "what is the saline week", overrides)
    response = sms_post(stack, form)
    assert_no_server_error(response)
    if response.status_code == 200:
        wait_sms_handled(stack, provider, form["From"], form.get("Body", ""))
    else:
        assert response.status_code == 400  # From or MessageSid missing


@pytest.mark.parametrize("name, body, content_type, signature", SMS_RAW_POSTS, ids=[n for n, *_ in SMS_RAW_POSTS])
def test_sms_raw_post_that_is_not_signed(stack, name, body, content_type, signature):
    headers = {"Content-Type": content_type}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature.encode("utf-8")
    response = requests.post(f"{stack.url}/webhooks/sms/webhook", data=body, headers=headers, timeout=30)
    record("sms", response.status_code)
    # 403 for the signature; 413 when the signature header alone is over Sanic's limit.
    assert response.status_code in (403, 413), f"{response.status_code}: {response.text[:300]}"


# ---- afterwards: still answering, alive, no traceback from our code ---------------------------


def test_every_channel_still_answers_a_normal_question(stack, provider):
    messages = stack.say("what is the saline week", sender="badinput-after")
    assert messages and messages[0]["text"].startswith(saline_answer()), messages

    async def web():
        async with SocketClient(stack.url) as client:
            await client.client.emit(
                "user_uttered", {"message": "what is the saline week", "session_id": client.session}
            )
            reply = await asyncio.wait_for(client.replies.get(), TURN_TIMEOUT)
            assert (reply.get("text") or "").startswith(saline_answer()), reply

    asyncio.run(web())

    phone = next(PHONES)
    assert sms_post(stack, sms_form(phone, "what is the saline week")).status_code == 200
    [first, *_] = provider.wait_delivered(phone, 1, timeout=TURN_TIMEOUT)
    assert first.startswith(topic_reply(K, "ask_saline_week")["sms_text"])


def test_both_processes_are_alive(stack):
    assert stack.proc.poll() is None, "the Rasa server exited"
    assert stack.actions.proc.poll() is None, "the action server exited"
    assert requests.get(stack.api("/status"), timeout=10).json().get("model_id")


TRACEBACK = re.compile(r"^Traceback \(most recent call last\):\n(?:[ \t].*\n|\n)*.*$", re.MULTILINE)
# Rasa's structlog events carry exceptions as JSON on one line ("rest.message.received.failure").
ERROR_LINE = re.compile(r"^.*(?:\d\d:\d\d:\d\d ERROR |\"exc_type\").*$", re.MULTILINE)


def problems(text: str) -> List[str]:
    """Tracebacks and ERROR lines of a log."""
    return TRACEBACK.findall(text) + [line[:3000] for line in ERROR_LINE.findall(text)]


def test_no_traceback_or_error_in_the_logs(stack):
    time.sleep(2)  # let the last background work write its log lines
    ours = tuple(
        f"{quote}{PROJECT_ROOT / folder}/" for quote in ('File "', '"filename": "') for folder in ("bot", "actions")
    )
    found, from_us = [], []
    for log in sorted(stack.workdir.glob("*.log")):
        for block in problems(log.read_text(errors="replace")):
            found.append((log.name, block))
            if any(marker in block for marker in ours):
                from_us.append((log.name, block))
    summary = [
        f"inputs sent: {dict(SENT)}",
        f"HTTP statuses: {dict(sorted(STATUSES.items()))}",
        f"tracebacks and errors in the logs: {len(found)} ({len(from_us)} through the project's code)",
    ]
    summary += [f"--- {name}\n{block}" for name, block in found]
    (stack.workdir / "badinput-summary.txt").write_text("\n".join(summary))
    print("\n".join(summary))
    assert not from_us, "\n\n".join(f"{name}:\n{block}" for name, block in from_us)
    # Rasa's own code fails too when a channel lets a bad input through (an empty
    # text, a lone surrogate): none is expected at all.
    assert not found, "\n\n".join(f"{name}:\n{block}" for name, block in found)
    assert not any(status >= 500 for (_, status) in STATUSES)
