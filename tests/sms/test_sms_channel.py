"""The SMS channel in process, without Rasa: a fake Rasa handler, a real SQLite
app database (the inbox and outbox) and the real HTTP provider stand-in. Fast,
so the keyword, opt-out, option, queue and retry logic is checked in detail
here; test_sms_stack.py and tests/reliability/test_sms_durability.py check the
same paths end to end with the trained bot.
"""

import asyncio
import itertools
import logging
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql_text
from sqlalchemy.exc import OperationalError
from twilio.request_validator import RequestValidator

from bot.channels.sms import queue as queue_module
from bot.channels.sms import store as sms_store
from bot.channels.sms.channel import SmsConfig, SmsInput
from bot.channels.sms.sender import MessagesApi
from bot.core.knowledge import get_knowledge
from bot.ops.report import build_report
from bot.rasa.tracker_store import TrackerStoreUnavailable

TOKEN = "channel-test-token"
WEBHOOK_URL = "https://sms.example.test/webhooks/sms/webhook"
OUR_NUMBER = "+15550109999"
SIDS = itertools.count(1)


FAST = dict(poll_seconds=0.02, send_backoff=0.01, send_backoff_cap=0.05, handle_backoff=0.01, store_down_retry=0.05)


def make_channel(provider, db_url, **worker_options):
    config = SmsConfig(
        account_sid="ACtest",
        auth_token=TOKEN,
        from_number=OUR_NUMBER,
        webhook_url=WEBHOOK_URL,
        api_base_url=provider.url,
        hash_salt="salt",
    )
    sender = MessagesApi(provider.url, "ACtest", TOKEN, OUR_NUMBER, timeout=2)
    return SmsInput(config, database_url=db_url, sender=sender, worker_options={**FAST, **worker_options})


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def channel(provider, db_url):
    provider.script.clear()
    provider.delay = 0.0
    return make_channel(provider, db_url)


class FakeRasa:
    """Stands in for Agent.handle_message: records messages, sends canned replies; can
    fail like a tracker store that is down for its first `store_down_for` calls."""

    def __init__(self, delay=0.0, store_down_for=0):
        self.messages = []
        self.succeeded = []
        self.delay = delay
        self.store_down_for = store_down_for

    async def __call__(self, message):
        self.messages.append(message)
        if self.store_down_for > 0:
            self.store_down_for -= 1
            raise TrackerStoreUnavailable("tracker store down")
        if self.delay:
            await asyncio.sleep(self.delay)
        for reply in self.replies(message.text):
            await message.output_channel.send_response(message.sender_id, dict(reply))
        self.succeeded.append(message)

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
        if "seizure" in text:
            return [{"text": "Call 911 now.", "utter_action": "utter_escalate_emergency"}]
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


def deliver(channel, rasa, *calls, run_workers=True):
    """Post each (params, signature) to the channel; with the workers running, wait until
    every accepted message is answered and every reply sent."""

    async def go():
        if run_workers:
            await channel.start(rasa)
        try:
            statuses = [(await channel.receive(urlencode(p).encode(), sig))[0] for p, sig in calls]
            if run_workers:
                await channel.idle(timeout=20)
            return statuses
        finally:
            if run_workers:
                await channel.stop()

    return asyncio.run(go())


def text(channel, rasa, phone, body, **kwargs):
    params = form(phone, body)
    return deliver(channel, rasa, (params, signed(params)), **kwargs)


def rows(db_url, sql):
    engine = create_engine(db_url, future=True)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sql_text(sql)).all()]
    finally:
        engine.dispose()


# ---- the webhook and keywords --------------------------------------------------------


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


def test_unsigned_forged_or_tampered_calls_get_403_and_do_nothing(channel, provider, db_url):
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
    assert rows(db_url, "SELECT COUNT(*) FROM sms_inbox") == [(0,)]


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
    # Still recorded by Rasa, nothing sent; keywords never reach Rasa.
    assert [m.text for m in rasa.messages] == ["is the pump waterproof?"]
    assert provider.delivered(phone) == [texts.stop_confirmation]
    # HELP is answered even after STOP (carriers require it).
    text(channel, rasa, phone, "HELP")
    assert provider.delivered(phone) == [texts.stop_confirmation, texts.help]
    text(channel, rasa, phone, "start")
    text(channel, rasa, phone, "again?")
    assert provider.delivered(phone) == [
        texts.stop_confirmation,
        texts.help,
        texts.start_confirmation,
        "echo: again?",
    ]
    assert [m.text for m in rasa.messages] == ["is the pump waterproof?", "again?"]


def test_spanish_keywords_are_answered_in_spanish(channel, provider):
    from bot.channels.sms.texts import load_sms_texts_by_language

    rasa, phone = FakeRasa(), "+15550100041"
    spanish = load_sms_texts_by_language(get_knowledge())["es"]
    text(channel, rasa, phone, "PARAR")
    text(channel, rasa, phone, "¿tiene cita?")  # opted out: recorded by Rasa, not sent
    text(channel, rasa, phone, "Ayuda")
    text(channel, rasa, phone, "comenzar")
    assert provider.delivered(phone) == [spanish.stop_confirmation, spanish.help, spanish.start_confirmation]
    assert "PARAR" in spanish.help and spanish.help != channel.texts.help
    # The language switch is Rasa's to answer (the conversation's language), not a keyword.
    text(channel, rasa, phone, "ESPAÑOL")
    assert [m.text for m in rasa.messages] == ["¿tiene cita?", "ESPAÑOL"]


def test_an_accented_reply_is_cut_into_parts_of_three_ucs2_segments(channel, provider):
    from bot.core.text.segments import UCS2, encoding, segments

    rasa, phone = FakeRasa(), "+15550100042"
    sentence = "La bomba da insulina todo el día."
    text(channel, rasa, phone, " ".join([sentence] * 12))  # about 400 characters, with í
    parts = provider.delivered(phone)
    assert len(parts) == 3
    assert all(encoding(p) == UCS2 and segments(p) <= 3 and len(p) <= 201 for p in parts)


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


def test_a_numbers_messages_are_answered_in_the_order_they_came(channel, provider):
    rasa, phone = FakeRasa(delay=0.02), "+15550100014"
    calls = [(p, signed(p)) for p in (form(phone, f"message {i}") for i in range(8))]
    assert deliver(channel, rasa, *calls) == [200] * 8
    assert [m.text for m in rasa.messages] == [f"message {i}" for i in range(8)]
    assert provider.delivered(phone) == [f"echo: message {i}" for i in range(8)]


# ---- nothing lost ---------------------------------------------------------------------


def test_an_accepted_message_survives_the_process_and_is_answered_by_the_next(provider, db_url):
    """200 means committed: a process that dies before handling loses nothing."""
    phone, rasa = "+15550100015", FakeRasa()
    first = make_channel(provider, db_url)
    params = form(phone, "are you there?")
    assert deliver(first, rasa, (params, signed(params)), run_workers=False) == [200]
    assert rasa.messages == [] and provider.posts_to(phone) == []
    # The provider redelivers (it did not hear the 200, say): still one answer.
    assert deliver(make_channel(provider, db_url), rasa, (params, signed(params))) == [200]
    assert [m.text for m in rasa.messages] == ["are you there?"]
    assert provider.delivered(phone) == ["echo: are you there?"]


def test_a_message_held_by_a_process_that_died_is_taken_again_when_its_lease_runs_out(provider, db_url, monkeypatch):
    phone, rasa = "+15550100016", FakeRasa()
    dead = make_channel(provider, db_url)
    params = form(phone, "hello?")
    deliver(dead, rasa, (params, signed(params)), run_workers=False)
    monkeypatch.setattr(queue_module, "LEASE_SECONDS", 0.3)
    [claimed], _ = dead.queue.claim_inbox(4)  # ... and then the process is killed
    assert claimed.body == "hello?"
    live = make_channel(provider, db_url)
    assert live.queue.claim_inbox(4) == ([], [])  # leased to the dead process
    time.sleep(0.4)
    deliver(live, rasa)
    assert provider.delivered(phone) == ["echo: hello?"] and len(rasa.messages) == 1


def test_a_clean_stop_hands_back_what_it_could_not_finish(provider, db_url):
    phone, slow = "+15550100020", FakeRasa(delay=5)
    channel = make_channel(provider, db_url)

    async def go():
        await channel.start(slow)
        params = form(phone, "slow one")
        assert (await channel.receive(urlencode(params).encode(), signed(params)))[0] == 200
        while not slow.messages:
            await asyncio.sleep(0.01)
        await channel.workers.stop(grace=0.1)

    asyncio.run(go())
    assert rows(db_url, "SELECT state, lease_owner FROM sms_inbox") == [("pending", None)]
    rasa = FakeRasa()
    deliver(make_channel(provider, db_url), rasa)  # taken at once, not after the lease
    assert provider.delivered(phone) == ["echo: slow one"] and [m.text for m in rasa.messages] == ["slow one"]


def test_a_failing_opt_out_write_never_answers_200(channel, provider, db_url, monkeypatch):
    phone, rasa = "+15550100017", FakeRasa()

    def broken(*args, **kwargs):
        raise OperationalError("UPDATE sms_numbers", {}, Exception("disk I/O error"))

    with monkeypatch.context() as patch:
        patch.setattr(sms_store, "set_opted_out", broken)
        assert text(channel, rasa, phone, "STOP") == [503]
    # Nothing half-done: no inbound row, no confirmation, not opted out.
    assert rows(db_url, "SELECT COUNT(*) FROM sms_inbox") == [(0,)]
    assert provider.posts_to(phone) == []
    # The provider's retry of the same message then works.
    assert text(channel, rasa, phone, "STOP") == [200]
    assert provider.delivered(phone) == [channel.texts.stop_confirmation]
    text(channel, rasa, phone, "hello")
    assert provider.delivered(phone) == [channel.texts.stop_confirmation]


def test_app_database_down_answers_503_and_still_sends_an_emergency_reply(provider, tmp_path):
    phone, rasa = "+15550100018", FakeRasa()
    db = tmp_path / "app.db"
    channel = make_channel(provider, f"sqlite:///{db}")
    channel.queue.sessions.kw["bind"].dispose()
    db.unlink()
    db.mkdir()  # the database file is gone and cannot be created: every statement fails
    assert text(channel, rasa, phone, "my daughter is having a seizure", run_workers=False) == [503]
    [body] = provider.delivered(phone)
    assert "911" in body


# ---- the outbox -----------------------------------------------------------------------


def test_provider_errors_are_retried_until_delivered_exactly_once(channel, provider, db_url):
    rasa, phone = FakeRasa(), "+15550100008"
    provider.script[:] = [500, 503, 429, 500]
    text(channel, rasa, phone, "hello")
    assert [p["status"] for p in provider.posts_to(phone)] == [500, 503, 429, 500, 201]
    assert provider.delivered(phone) == ["echo: hello"]
    assert rows(db_url, "SELECT state, attempts FROM sms_outbox") == [("sent", 5)]


def test_a_refused_message_is_not_retried_and_is_logged_without_the_number(channel, provider, caplog):
    rasa, phone = FakeRasa(), "+15550100009"
    provider.script[:] = [400]
    with caplog.at_level(logging.INFO):
        text(channel, rasa, phone, "hello")
    assert len(provider.posts_to(phone)) == 1 and provider.delivered(phone) == []
    failures = [r for r in caplog.records if "NOT delivered" in r.getMessage()]
    assert len(failures) == 1 and failures[0].levelno == logging.ERROR
    assert "sms-" in failures[0].getMessage() and "HTTP 400" in failures[0].getMessage()
    assert all("5550100009" not in r.getMessage() for r in caplog.records)


def test_a_reply_that_cannot_be_sent_before_it_expires_is_given_up_and_reported(provider, db_url, monkeypatch):
    rasa, phone = FakeRasa(), "+15550100010"
    # Long enough that a loaded CI machine still makes the first try (0.5 s was not: CI once expired
    # the reply before any try); the tries stay bounded by lifetime / backoff.
    monkeypatch.setattr(queue_module, "REPLY_LIFETIME", timedelta(seconds=2.0))
    channel = make_channel(provider, db_url, send_backoff=0.1, send_backoff_cap=0.1)
    provider.script[:] = [503] * 100
    try:
        text(channel, rasa, phone, "she has a seizure")
    finally:
        provider.script.clear()
    assert 2 <= len(provider.posts_to(phone)) <= 22 and provider.delivered(phone) == []
    [(state, level)] = rows(db_url, "SELECT state, level FROM sms_outbox")
    assert (state, level) == ("expired", "emergency")
    report = build_report(url=db_url)
    assert "Escalation SMS NOT delivered in the last 7 days: 1" in report
    assert "emergency" in report and "expired" in report and "5550100010" not in report


def test_a_timeout_is_a_retryable_attempt(provider):
    provider.delay = 0.6
    api = MessagesApi(provider.url, "ACtest", TOKEN, OUR_NUMBER, timeout=0.3)
    try:
        attempt = api.post_once("+15550100011", "hi")
    finally:
        provider.delay = 0.0
    assert (attempt.delivered, attempt.retryable, attempt.detail) == (False, True, "timeout")


# ---- the conversation store down --------------------------------------------------------


def test_while_the_conversation_store_is_down_messages_wait_and_escalations_go_out(channel, provider, db_url):
    phone, rasa = "+15550100019", FakeRasa(store_down_for=3)
    calls = [(p, signed(p)) for p in (form(phone, "what is the saline week"), form(phone, "she is having a seizure"))]
    assert deliver(channel, rasa, *calls) == [200, 200]
    delivered = provider.delivered(phone)
    # The emergency reply (knowledge's words) went out while the store was down, before
    # either answer; then both were answered in order, the emergency again by Rasa.
    assert "911" in delivered[0] and get_knowledge().contacts["clinic_phone"] in delivered[0]
    assert delivered[1:] == ["echo: what is the saline week", "Call 911 now."]
    assert [m.text for m in rasa.succeeded] == ["what is the saline week", "she is having a seizure"]
    assert rows(db_url, "SELECT state FROM sms_inbox") == [("done",), ("done",)]


def test_queue_rows_hold_no_number_and_no_message_in_the_clear(channel, provider, db_url, tmp_path):
    rasa = FakeRasa()
    text(channel, rasa, "+15550100012", "STOP")
    text(channel, rasa, "+15550100012", "long")
    deliver(channel, rasa, *[(p, signed(p)) for p in [form("+15550100012", "private words")]], run_workers=False)
    dump = (tmp_path / "app.db").read_bytes()
    assert b"5550100012" not in dump and b"private words" not in dump
    [(sealed,)] = rows(db_url, "SELECT phone_sealed FROM sms_inbox WHERE state = 'pending'")
    assert channel.queue.sealer.open(sealed) == "+15550100012"
    # Finished rows forget the sealed number too.
    assert rows(db_url, "SELECT COUNT(*) FROM sms_outbox WHERE phone_sealed IS NOT NULL") == [(0,)]
