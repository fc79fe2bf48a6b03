"""SMS end to end through failures, with the trained bot behind `rasa run`: the
server stopped (SIGTERM) with messages in flight and started again, and the
provider down for 60 s. Every accepted message is answered exactly once.

The figures (accepted, answered, lost, duplicated) are printed for the closing note.
"""

import hashlib
import hmac
import itertools
import sqlite3
import threading
import time

import pytest
import requests
from twilio.request_validator import RequestValidator

from bot.channels.sms.format import numbered_options, split_sms
from bot.channels.sms.texts import load_sms_texts
from bot.core.answers import topic_reply
from bot.core.knowledge import get_knowledge
from tools.stack.servers import rasa_stack
from tools.stack.services import postgres_server

TOKEN, SALT, ACCOUNT = "durability-token", "durability-salt", "ACdurability"
OUR_NUMBER = "+15550108888"
WEBHOOK_URL = "https://sms.example.test/webhooks/sms/webhook"
SIDS = itertools.count(1)
QUESTION, TOPIC = "what is the saline week", "ask_saline_week"
IN_FLIGHT = 24


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
        tmp_path_factory.mktemp("sms_durability"), credentials={"bot.channels.sms.SmsInput": None}, env_extra=env
    ) as server:
        yield server


@pytest.fixture(autouse=True)
def provider_healthy(provider):
    provider.script.clear()
    provider.delay, provider.down_until = 0.0, 0.0
    yield
    provider.delay, provider.down_until = 0.0, 0.0


def text_in(server, phone, body):
    params = {"From": phone, "To": OUR_NUMBER, "Body": body, "MessageSid": f"SM{next(SIDS):032d}"}
    signature = RequestValidator(TOKEN).compute_signature(WEBHOOK_URL, params)
    return requests.post(
        f"{server.url}/webhooks/sms/webhook", data=params, headers={"X-Twilio-Signature": signature}, timeout=30
    ).status_code


def expected_parts(intent):
    knowledge = get_knowledge()
    reply = topic_reply(knowledge, intent)
    tail, _ = numbered_options(reply["buttons"], load_sms_texts(knowledge.contacts))
    return split_sms(reply["sms_text"], tail)


def waiting(server):
    with sqlite3.connect(server.workdir / "app.db") as db:
        return db.execute(
            "SELECT (SELECT COUNT(*) FROM sms_inbox WHERE state = 'pending'),"
            " (SELECT COUNT(*) FROM sms_outbox WHERE state = 'pending')"
        ).fetchone()


def settled(server, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if waiting(server) == (0, 0):
            return
        time.sleep(0.2)
    raise AssertionError(f"still waiting after {timeout} s: (inbox, outbox) = {waiting(server)}")


def sender_of(phone):
    return "sms-" + hmac.new(SALT.encode(), phone.encode(), hashlib.sha256).hexdigest()[:32]


def test_sigterm_with_messages_in_flight_then_restart_answers_each_exactly_once(sms_stack, provider):
    parts = expected_parts(TOPIC)
    phones = [f"+1555010{7000 + i}" for i in range(IN_FLIGHT)]
    provider.delay = 0.25  # sends take a while, so some are in the provider's hands at the stop
    statuses = {}
    threads = [
        threading.Thread(target=lambda p=p: statuses.update({p: text_in(sms_stack, p, QUESTION)})) for p in phones
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = [p for p in phones if statuses[p] == 200]
    assert len(accepted) == IN_FLIGHT, statuses
    time.sleep(0.5)  # some answered, some being answered, some waiting
    at_stop = waiting(sms_stack)
    stop_started = time.time()
    sms_stack.stop()  # SIGTERM; the server finishes what it holds and hands back the rest
    stop_seconds = time.time() - stop_started
    left = waiting(sms_stack)
    assert sum(left) > 0, f"nothing was left in flight to survive the stop {at_stop} -> {left}: the test tested nothing"
    log = (sms_stack.workdir / f"rasa-{sms_stack.port}.log").read_text()
    stopped = [line for line in log.splitlines() if "SMS workers stopped" in line]
    assert stopped, "the server did not stop its SMS workers on SIGTERM (or INFO lines are lost)"
    sms_stack.start()
    settled(sms_stack, timeout=120)

    answered = [p for p in accepted if provider.delivered(p)]
    exact = [p for p in accepted if provider.delivered(p) == parts]
    duplicated = [p for p in accepted if len(provider.delivered(p)) > len(parts)]
    lost = [p for p in accepted if not provider.delivered(p)]
    print(
        f"\n[sms sigterm] accepted {len(accepted)}, answered {len(answered)}, lost {len(lost)}, "
        f"duplicated {len(duplicated)}; waiting at the stop (inbox, outbox) {at_stop}, "
        f"left after it {left}, stop took {stop_seconds:.1f} s ({stopped[-1].split(' - ')[-1]})"
    )
    assert lost == [] and duplicated == [] and exact == accepted
    logs = b"".join(path.read_bytes() for path in sms_stack.workdir.glob("*.log"))
    assert not [p for p in accepted if p.lstrip("+").encode() in logs], "a phone number reached the logs"
    # Rasa saw each message once: the conversation holds one user event.
    for phone in accepted:
        events = requests.get(sms_stack.api(f"/conversations/{sender_of(phone)}/tracker"), timeout=30).json()["events"]
        assert [e["text"] for e in events if e["event"] == "user"] == [QUESTION], phone


def test_provider_down_for_60_seconds_then_the_replies_are_delivered(sms_stack, provider):
    phone, worried = "+15550107100", "+15550107101"
    provider.down_until = time.time() + 60
    assert text_in(sms_stack, phone, QUESTION) == 200
    assert text_in(sms_stack, worried, "my son's sugar is 45 and he is shaky") == 200
    settled(sms_stack, timeout=150)
    recovered = provider.down_until
    assert provider.delivered(phone) == expected_parts(TOPIC)
    [escalation] = provider.delivered(worried)
    assert get_knowledge().contacts["clinic_phone"] in escalation
    for number in (phone, worried):
        posts = provider.posts_to(number)
        failed = [p for p in posts if p["status"] == 503]
        sent = [p for p in posts if p["status"] == 201]
        assert failed and all(p["at"] < recovered for p in failed)
        assert all(p["at"] >= recovered for p in sent)
        print(
            f"\n[sms provider down 60 s] {number[-4:]}: {len(failed)} failed attempts, delivered "
            f"{max(p['at'] for p in sent) - recovered:.1f} s after recovery, {len(sent)} part(s), 0 duplicated"
        )


def test_sms_while_the_conversation_store_is_down_waits_and_escalations_go_out(tmp_path, provider):
    """Tracker store on a Postgres of its own, stopped; the app database (the SMS inbox) stays up."""
    questions = {"+15550107200": "who trains us on the pump", "+15550107201": "how do i get more pump supplies"}
    emergency_phone, emergency = "+15550107202", "my daughter is having a seizure"
    env = {
        "SMS_ACCOUNT_SID": ACCOUNT,
        "SMS_AUTH_TOKEN": TOKEN,
        "SMS_FROM_NUMBER": OUR_NUMBER,
        "SMS_API_BASE_URL": provider.url,
        "SMS_WEBHOOK_URL": WEBHOOK_URL,
        "SMS_HASH_SALT": SALT,
    }
    with postgres_server() as pg:
        tracker_url = pg.create_database("sms_tracker")
        with rasa_stack(
            tmp_path,
            credentials={"bot.channels.sms.SmsInput": None},
            env_extra={**env, "TRACKER_STORE_URL": tracker_url},
        ) as server:
            pg.stop()
            down_at = time.time()
            for phone, question in questions.items():
                assert text_in(server, phone, question) == 200  # kept in the inbox
            assert text_in(server, emergency_phone, emergency) == 200
            [first] = provider.wait_delivered(emergency_phone, 1, timeout=60)
            emergency_after = provider.posts_to(emergency_phone)[0]["at"] - down_at
            assert first.startswith("Call 911 now.")
            time.sleep(3)
            assert all(provider.delivered(p) == [] for p in questions), "answered while the store was down?"
            assert waiting(server)[0] == 3
            pg.start()
            up_at = time.time()
            settled(server, timeout=120)
            answered_after = max(p["at"] for phone in questions for p in provider.posts_to(phone)) - up_at
            for phone, question in questions.items():
                assert provider.delivered(phone), phone
                events = requests.get(server.api(f"/conversations/{sender_of(phone)}/tracker"), timeout=30).json()
                assert [e["text"] for e in events["events"] if e["event"] == "user"] == [question]
            events = requests.get(server.api(f"/conversations/{sender_of(emergency_phone)}/tracker"), timeout=30)
            assert [e["text"] for e in events.json()["events"] if e["event"] == "user"] == [emergency]
            print(
                f"\n[sms store down] accepted 3 while the tracker store was down; the emergency reply went out "
                f"{emergency_after:.1f} s after the stop; the questions were answered {answered_after:.1f} s after "
                f"it came back; lost 0, duplicated 0 (the emergency answered again by Rasa: "
                f"{len(provider.delivered(emergency_phone))} SMS)"
            )
