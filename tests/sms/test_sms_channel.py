"""The SMS channel in process, without Rasa: a fake Rasa handler, a real SQLite
app database and the real HTTP provider stand-in. Fast, so the keyword,
opt-out, option and retry logic is checked in detail here; test_sms_stack.py
checks the same paths end to end with the trained bot.
"""

import asyncio
import itertools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from bot.channels.sms.channel import SmsConfig, SmsInput
from bot.channels.sms.sender import MessagesApi
from bot.channels.sms.store import SmsStore
from bot.core.knowledge import get_knowledge

TOKEN = "channel-test-token"
WEBHOOK_URL = "https://sms.example.test/webhooks/sms/webhook"
OUR_NUMBER = "+15550109999"
SIDS = itertools.count(1)


@pytest.fixture
def channel(provider, tmp_path):
    provider.script.clear()
    provider.delay = 0.0
    config = SmsConfig(
        account_sid="ACtest",
        auth_token=TOKEN,
        from_number=OUR_NUMBER,
        webhook_url=WEBHOOK_URL,
        api_base_url=provider.url,
        hash_salt="salt",
    )
    executor = ThreadPoolExecutor(4)
    sender = MessagesApi(
        provider.url, "ACtest", TOKEN, OUR_NUMBER, executor=executor, attempts=3, timeout=2, backoff=0.01
    )
    yield SmsInput(config, store=SmsStore(f"sqlite:///{tmp_path / 'app.db'}"), executor=executor, sender=sender)
    executor.shutdown()


class FakeRasa:
    """Stands in for Agent.handle_message: records messages, sends canned replies."""

    def __init__(self):
        self.messages = []

    async def __call__(self, message):
        self.messages.append(message)
        for reply in self.replies(message.text):
            await message.output_channel.send_response(message.sender_id, dict(reply))

    @staticmethod
    def replies(text):
        if text == "long":
            return [
                {
                    "text": "A long web answer. " * 40,
                    "sms_text": "Short SMS form.",
                    "buttons": [
                        {"title": "Sick days", "payload": "/ask_sick_days"},
                        {"title": "Travel", "payload": "/ask_travel"},
                    ],
                }
            ]
        return [{"text": f"echo: {text}"}]


def form(phone, body, sid=None):
    return {
        "ToCountry": "US",
        "FromCity": "",
        "From": phone,
        "To": OUR_NUMBER,
        "Body": body,
        "MessageSid": sid or f"SM{next(SIDS):032d}",
        "NumMedia": "0",
        "AccountSid": "ACtest",
    }


def signed(params, token=TOKEN, url=WEBHOOK_URL):
    return RequestValidator(token).compute_signature(url, params)


def deliver(channel, rasa, *calls):
    """Post each (params, signature) to the channel, then wait for the background work."""

    async def go():
        statuses = []
        for params, signature in calls:
            status, _ = await channel.receive(urlencode(params).encode(), signature, rasa)
            statuses.append(status)
        await channel.idle()
        return statuses

    return asyncio.run(go())


def text(channel, rasa, phone, body):
    params = form(phone, body)
    return deliver(channel, rasa, (params, signed(params)))


def test_signed_message_reaches_rasa_under_a_hashed_sender(channel, provider):
    rasa = FakeRasa()
    assert text(channel, rasa, "+15550100001", "hello") == [200]
    [message] = rasa.messages
    assert message.text == "hello" and message.input_channel == "sms"
    assert message.sender_id.startswith("sms-") and "5550100001" not in message.sender_id
    assert provider.delivered("+15550100001") == ["echo: hello"]
    post = provider.posts_to("+15550100001")[0]
    assert post["path"] == "/2010-04-01/Accounts/ACtest/Messages.json"
    assert post["form"]["From"] == OUR_NUMBER and post["auth"].startswith("Basic ")


def test_unsigned_forged_or_tampered_calls_get_403_and_do_nothing(channel, provider):
    rasa = FakeRasa()
    params = form("+15550100002", "hello")
    tampered = {**params, "Body": "something else"}
    statuses = deliver(
        channel,
        rasa,
        (params, None),
        (params, signed(params, token="wrong")),
        (params, signed(params, url="https://evil.test/hook")),
        (tampered, signed(params)),
    )
    assert statuses == [403, 403, 403, 403]
    assert rasa.messages == [] and provider.posts_to("+15550100002") == []


def test_redelivered_message_sid_is_handled_once(channel, provider):
    rasa = FakeRasa()
    params = form("+15550100003", "hello")
    assert deliver(channel, rasa, (params, signed(params)), (params, signed(params))) == [200, 200]
    assert len(rasa.messages) == 1 and provider.delivered("+15550100003") == ["echo: hello"]


def test_stop_is_confirmed_once_and_silences_replies_until_start(channel, provider):
    rasa, phone = FakeRasa(), "+15550100004"
    texts = channel.texts
    text(channel, rasa, phone, "Stop")
    text(channel, rasa, phone, "STOP")
    assert provider.delivered(phone) == [texts.stop_confirmation]
    text(channel, rasa, phone, "is the pump waterproof?")
    text(channel, rasa, phone, "HELP")
    # Still recorded by Rasa, nothing sent; keywords never reach Rasa.
    assert [m.text for m in rasa.messages] == ["is the pump waterproof?", "HELP"]
    assert provider.delivered(phone) == [texts.stop_confirmation]
    text(channel, rasa, phone, "start")
    text(channel, rasa, phone, "again?")
    assert provider.delivered(phone) == [texts.stop_confirmation, texts.start_confirmation, "echo: again?"]


def test_yes_and_start_are_ordinary_words_when_not_opted_out(channel, provider):
    rasa = FakeRasa()
    text(channel, rasa, "+15550100005", "yes")
    assert [m.text for m in rasa.messages] == ["yes"]


def test_a_text_without_words_gets_the_no_text_reply(channel, provider):
    rasa = FakeRasa()
    text(channel, rasa, "+15550100013", "  ")
    assert provider.delivered("+15550100013") == [channel.texts.no_text] and rasa.messages == []


def test_help_returns_program_and_clinic_contact(channel, provider):
    rasa = FakeRasa()
    text(channel, rasa, "+15550100006", "help")
    contacts = get_knowledge().contacts
    [body] = provider.delivered("+15550100006")
    assert contacts["program_name"] in body and contacts["clinic_phone"] in body
    assert rasa.messages == []


def test_sms_form_and_numbered_options_then_a_number_picks_the_payload(channel, provider):
    rasa, phone = FakeRasa(), "+15550100007"
    text(channel, rasa, phone, "long")
    [body] = provider.delivered(phone)
    intro = channel.texts.options_intro
    assert (
        body
        == f"Short SMS form.\n\n{intro}\n{channel.texts.option(1, 'Sick days')}\n{channel.texts.option(2, 'Travel')}"
    )
    text(channel, rasa, phone, "2")
    assert rasa.messages[-1].text == "/ask_travel"
    text(channel, rasa, phone, "1")  # the last reply offered nothing: "1" is just text
    assert rasa.messages[-1].text == "1"


def test_provider_500_then_201_delivers_exactly_once(channel, provider):
    rasa, phone = FakeRasa(), "+15550100008"
    provider.script[:] = [500]
    text(channel, rasa, phone, "hello")
    assert [p["status"] for p in provider.posts_to(phone)] == [500, 201]
    assert provider.delivered(phone) == ["echo: hello"]


def test_final_send_failure_is_logged_without_the_number(channel, provider, caplog):
    rasa, phone = FakeRasa(), "+15550100009"
    provider.script[:] = [500, 503, 500]
    with caplog.at_level(logging.INFO):
        text(channel, rasa, phone, "hello")
    assert len(provider.posts_to(phone)) == 3 and provider.delivered(phone) == []
    failures = [r for r in caplog.records if "NOT delivered" in r.getMessage()]
    assert len(failures) == 1 and failures[0].levelno == logging.ERROR
    assert "sms-" in failures[0].getMessage()
    assert all("5550100009" not in r.getMessage() for r in caplog.records)


def test_client_errors_are_not_retried(provider):
    provider.script[:] = [400]
    api = MessagesApi(provider.url, "ACtest", TOKEN, OUR_NUMBER, attempts=3, timeout=2, backoff=0.01)
    assert asyncio.run(api.send("+15550100010", "hi", "sms-x")) is False
    assert len(provider.posts_to("+15550100010")) == 1


def test_timeouts_are_retried(provider):
    provider.delay = 0.6
    api = MessagesApi(provider.url, "ACtest", TOKEN, OUR_NUMBER, attempts=2, timeout=0.3, backoff=0.01)
    try:
        assert asyncio.run(api.send("+15550100011", "hi", "sms-x")) is False
    finally:
        provider.delay = 0.0
    deadline = time.time() + 5  # the stand-in records a post once its late answer is written
    while len(provider.posts_to("+15550100011")) < 2 and time.time() < deadline:
        time.sleep(0.05)
    assert len(provider.posts_to("+15550100011")) == 2


def test_store_state_holds_only_hashes(channel, provider, tmp_path):
    rasa = FakeRasa()
    text(channel, rasa, "+15550100012", "STOP")
    text(channel, rasa, "+15550100012", "long")
    dump = (tmp_path / "app.db").read_bytes()
    assert b"5550100012" not in dump
