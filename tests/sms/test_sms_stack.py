"""The SMS channel end to end: the trained bot behind `rasa run` with the SMS
channel, signed Twilio-format posts to /webhooks/sms/webhook, and a real HTTP
stand-in for the provider's Messages API. One stack for the whole module.
"""

import hashlib
import hmac
import itertools
import json
import sqlite3
import time

import pytest
import requests
from twilio.request_validator import RequestValidator

from bot.channels.sms.format import numbered_options
from bot.channels.sms.texts import load_sms_texts
from bot.core.answers import topic_reply
from bot.core.knowledge import get_knowledge
from tools.stack.servers import rasa_stack

TOKEN = "stack-test-token"
SALT = "stack-test-salt"
ACCOUNT = "ACstacktest"
OUR_NUMBER = "+15550109998"
WEBHOOK_URL = "https://sms.example.test/webhooks/sms/webhook"  # the public URL, as behind a proxy
SIDS = itertools.count(1)
PHONES_USED = set()


@pytest.fixture(scope="module")
def sms_stack(tmp_path_factory, provider):
    env = {
        "SMS_ACCOUNT_SID": ACCOUNT,
        "SMS_AUTH_TOKEN": TOKEN,
        "SMS_FROM_NUMBER": OUR_NUMBER,
        "SMS_API_BASE_URL": provider.url,
        "SMS_WEBHOOK_URL": WEBHOOK_URL,
        "SMS_HASH_SALT": SALT,
    }
    with rasa_stack(
        tmp_path_factory.mktemp("sms_stack"), credentials={"bot.channels.sms.SmsInput": None}, env_extra=env
    ) as server:
        yield server


@pytest.fixture(autouse=True)
def provider_answers_201(provider):
    provider.script.clear()


def knowledge_texts():
    return load_sms_texts(get_knowledge().contacts)


def sender_of(phone):
    return "sms-" + hmac.new(SALT.encode(), phone.encode(), hashlib.sha256).hexdigest()[:32]


def sms_form(phone, body, sid=None):
    PHONES_USED.add(phone)
    return {
        "ToCountry": "US",
        "ToState": "",
        "FromCity": "",
        "FromState": "",
        "SmsStatus": "received",
        "From": phone,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "MessageSid": sid or f"SM{next(SIDS):032d}",
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
    }


def post(server, params, signature):
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    return requests.post(f"{server.url}/webhooks/sms/webhook", data=params, headers=headers, timeout=30)


def text_in(server, phone, body, sid=None):
    params = sms_form(phone, body, sid)
    response = post(server, params, RequestValidator(TOKEN).compute_signature(WEBHOOK_URL, params))
    assert response.status_code == 200, response.text
    return response


def tracker_events(server, phone):
    response = requests.get(server.api(f"/conversations/{sender_of(phone)}/tracker"), timeout=30)
    response.raise_for_status()
    return response.json().get("events") or []


def wait_turn(server, phone, user_text, timeout=90):
    """Wait until Rasa has finished the turn for `user_text` (its replies are sent by then)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        events = tracker_events(server, phone)
        users = [i for i, e in enumerate(events) if e.get("event") == "user" and e.get("text") == user_text]
        if users and any(
            e.get("event") == "action" and e.get("name") == "action_listen" for e in events[users[-1] + 1 :]
        ):
            return events
        time.sleep(0.25)
    raise AssertionError(f"Rasa did not finish the turn for {user_text!r} in {timeout} s")


def settled(server, timeout=60):
    """Until the SMS inbox and outbox hold nothing waiting (every reply sent or given up)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with sqlite3.connect(server.workdir / "app.db") as db:
            waiting = db.execute(
                "SELECT (SELECT COUNT(*) FROM sms_inbox WHERE state = 'pending')"
                " + (SELECT COUNT(*) FROM sms_outbox WHERE state = 'pending')"
            ).fetchone()[0]
        if not waiting:
            return
        time.sleep(0.1)
    raise AssertionError(f"SMS queues still hold {waiting} waiting row(s) after {timeout} s")


def escalations(server, phone, timeout=15):
    deadline = time.time() + timeout
    while True:
        with sqlite3.connect(server.workdir / "app.db") as db:
            rows = db.execute(
                "SELECT channel, level FROM escalations WHERE conversation_id = ?", (sender_of(phone),)
            ).fetchall()
        if rows or time.time() > deadline:
            return rows
        time.sleep(0.25)


def topic_sms(intent):
    knowledge = get_knowledge()
    reply = topic_reply(knowledge, intent)
    tail, payloads = numbered_options(reply["buttons"], knowledge_texts())
    return reply["sms_text"], tail, payloads


def test_signed_question_gets_its_answer_by_sms(sms_stack, provider):
    phone = "+15550100101"
    text_in(sms_stack, phone, "what is the saline week")
    wait_turn(sms_stack, phone, "what is the saline week")
    settled(sms_stack)
    sms_text, _, _ = topic_sms("ask_saline_week")
    bodies = provider.delivered(phone)
    assert bodies and bodies[0].startswith(sms_text)
    assert "Source:" not in " ".join(bodies)  # the SMS form, not the web answer
    post_ = provider.posts_to(phone)[0]
    assert post_["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert post_["form"]["From"] == OUR_NUMBER


def test_unsigned_or_forged_message_gets_403_and_nothing_is_posted(sms_stack, provider):
    phone = "+15550100102"
    params = sms_form(phone, "what is the saline week")
    assert post(sms_stack, params, None).status_code == 403
    assert post(sms_stack, params, RequestValidator("forged").compute_signature(WEBHOOK_URL, params)).status_code == 403
    assert post(sms_stack, params, RequestValidator(TOKEN).compute_signature(sms_stack.url, params)).status_code == 403
    tampered = {**params, "Body": "STOP"}
    assert post(sms_stack, tampered, RequestValidator(TOKEN).compute_signature(WEBHOOK_URL, params)).status_code == 403
    time.sleep(2)
    assert provider.posts_to(phone) == []
    assert not [e for e in tracker_events(sms_stack, phone) if e.get("event") == "user"]


def test_after_stop_nothing_is_sent_but_messages_and_escalations_are_recorded(sms_stack, provider):
    phone, texts = "+15550100103", knowledge_texts()
    text_in(sms_stack, phone, "STOP")
    assert provider.wait_delivered(phone, 1) == [texts.stop_confirmation]
    text_in(sms_stack, phone, "stop")  # confirmed once only
    text_in(sms_stack, phone, "what is the saline week")
    wait_turn(sms_stack, phone, "what is the saline week")
    settled(sms_stack)
    text_in(sms_stack, phone, "my son's sugar is 45")
    wait_turn(sms_stack, phone, "my son's sugar is 45")
    settled(sms_stack)
    time.sleep(1)
    assert provider.delivered(phone) == [texts.stop_confirmation]
    assert len(provider.posts_to(phone)) == 1
    # The escalation still reaches the staff report.
    assert escalations(sms_stack, phone) == [("sms", "clinic")]
    text_in(sms_stack, phone, "Start")
    assert provider.wait_delivered(phone, 2)[1] == texts.start_confirmation
    text_in(sms_stack, phone, "thank you")
    wait_turn(sms_stack, phone, "thank you")
    settled(sms_stack)
    assert len(provider.wait_delivered(phone, 3)) == 3


def test_help_returns_program_name_and_clinic_contact(sms_stack, provider):
    phone, contacts = "+15550100104", get_knowledge().contacts
    text_in(sms_stack, phone, "HELP")
    [body] = provider.wait_delivered(phone, 1)
    assert body == knowledge_texts().help
    assert contacts["program_name"] in body and contacts["clinic_phone"] in body


def test_blood_sugar_concern_by_sms_gets_the_clinic_contact(sms_stack, provider):
    phone = "+15550100105"
    text_in(sms_stack, phone, "my son's sugar is 45")
    wait_turn(sms_stack, phone, "my son's sugar is 45")
    settled(sms_stack)
    bodies = provider.delivered(phone)
    assert bodies and get_knowledge().contacts["clinic_phone"] in " ".join(bodies)
    assert all(len(b) <= 320 for b in bodies)
    assert escalations(sms_stack, phone) == [("sms", "clinic")]


def test_a_bare_reading_with_a_pump_failure_gets_the_whole_escalation_in_both_languages(sms_stack, provider):
    """No word tells the family's language: the reply comes in English and Spanish, never cut."""
    from bot.core.text.segments import segments

    phone, body = "+15550100128", "450 occlusion"
    text_in(sms_stack, phone, body)
    wait_turn(sms_stack, phone, body)
    settled(sms_stack)
    bodies = provider.delivered(phone)
    joined = " ".join(bodies)
    knowledge = get_knowledge()
    for language in knowledge.languages:
        # Each language's pump-failure reply arrives to its last sentence (the 911 line).
        last = knowledge.reply("escalate_clinic_pump_failure", language).rsplit(". ", 1)[-1]
        assert "911" in last and last in joined, language
    assert joined.startswith(knowledge.reply("escalate_clinic", "en").split("{")[0])
    assert 3 < len(bodies) and all(segments(b) <= 3 for b in bodies)
    assert escalations(sms_stack, phone) == [("sms", "clinic")]


def test_long_answer_arrives_in_at_most_3_parts_of_at_most_320(sms_stack, provider):
    phone = "+15550100106"
    sms_text, tail, _ = topic_sms("ask_education_visit")
    assert len(sms_text) + len(tail) > 320  # the premise: more than one SMS
    text_in(sms_stack, phone, "what is the education visit")
    wait_turn(sms_stack, phone, "what is the education visit")
    settled(sms_stack)
    bodies = provider.delivered(phone)
    assert 2 <= len(bodies) <= 3 and all(len(b) <= 320 for b in bodies)
    assert " ".join(bodies).split() == f"{sms_text}\n\n{tail}".split()


def test_reply_with_a_number_picks_that_option(sms_stack, provider):
    phone = "+15550100107"
    _, _, payloads = topic_sms("ask_education_visit")
    text_in(sms_stack, phone, "what is the education visit")
    wait_turn(sms_stack, phone, "what is the education visit")
    settled(sms_stack)
    before = len(provider.delivered(phone))
    text_in(sms_stack, phone, "1")
    wait_turn(sms_stack, phone, payloads[0])  # Rasa got the payload, e.g. /ask_sick_days
    settled(sms_stack)
    picked, _, _ = topic_sms(payloads[0].lstrip("/"))
    assert provider.delivered(phone)[before].startswith(picked)


def test_provider_500_then_201_ends_in_exactly_one_delivered_message(sms_stack, provider):
    phone = "+15550100108"
    provider.script[:] = [500]
    text_in(sms_stack, phone, "thank you")
    wait_turn(sms_stack, phone, "thank you")
    settled(sms_stack)
    posts = provider.posts_to(phone)
    assert [p["status"] for p in posts] == [500, 201]
    assert posts[0]["form"]["Body"] == posts[1]["form"]["Body"]
    assert len(provider.delivered(phone)) == 1


def test_redelivered_message_sid_is_processed_once(sms_stack, provider):
    phone = "+15550100109"
    text_in(sms_stack, phone, "HELP", sid="SMredelivered0000000000000000001")
    text_in(sms_stack, phone, "HELP", sid="SMredelivered0000000000000000001")
    provider.wait_delivered(phone, 1)
    time.sleep(2)
    assert len(provider.posts_to(phone)) == 1


def test_numbers_never_reach_the_tracker_store_app_database_or_logs(sms_stack):
    """Runs last: checks everything the module's messages left behind."""
    assert PHONES_USED
    stored = b""
    for name in ("tracker.db", "app.db"):
        stored += (sms_stack.workdir / name).read_bytes()
    logs = b"".join(p.read_bytes() for p in sms_stack.workdir.glob("*.log"))
    for phone in PHONES_USED:
        digits = phone.lstrip("+").encode()
        assert digits not in stored, phone
        assert digits not in logs, phone
        assert phone[2:] not in json.dumps(tracker_events(sms_stack, phone))
