"""The databases fail while the assistant runs: nothing lost, nothing doubled, no fresh start.

A Rasa server and its action server on a Postgres cluster of their own (so it can
be restarted), tracker store and app database both on it. Rasa's own tracker
store would answer from memory when Postgres goes away: a failed load starts a
fresh conversation, a failed save is kept in memory only, and the audit row is
lost. Here:

- backends killed between messages (pg_terminate_backend): every message is
  answered (the store retries on a new connection), every event and audit row
  stored once, one session per conversation;
- Postgres stopped for a few seconds under load: messages sent meanwhile get
  503 with Retry-After (an escalation also gets its escalation reply), the
  clients send them again, and afterwards every conversation holds exactly its
  messages, in order, with every escalation row.
"""

import threading
import time
from collections import Counter

import psycopg2
import pytest
import requests

from bot.core.knowledge import get_knowledge
from bot.db.engine import connect
from tests.reliability.stored import ESCALATIONS, audit_counts, engine, tracker_events, turns
from tools.stack.servers import ActionServer, RasaServer, base_env
from tools.stack.services import postgres_server

pytestmark = pytest.mark.timeout(600)
K = get_knowledge()
UNAVAILABLE = K.fill(K.replies["store_unavailable"])
MESSAGES = [
    "hello",
    "what is the saline week",
    "my son is 45 and shaky",
    "who trains us on the pump",
    "how often are follow ups",
    "she is 320 and the pump stopped working",
    "how do i get more pump supplies",
    "thanks",
]
ESCALATING = {2, 5}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("store-failures")
    with postgres_server() as pg:
        tracker_url, app_url = pg.create_database("failing_tracker"), pg.create_database("failing_app")
        connect(app_url).dispose()
        env = base_env(workdir, {"TRACKER_STORE_URL": tracker_url, "APP_DATABASE_URL": app_url})
        actions = ActionServer(workdir, env)
        server = RasaServer(workdir, env, actions.url)
        try:
            yield pg, server, tracker_url, app_url
        finally:
            server.stop()
            actions.stop()


def kill_backends(pg, databases):
    conn = psycopg2.connect(host="127.0.0.1", port=pg.port, user="postgres", dbname="postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = ANY(%s) AND pid <> pg_backend_pid()",
                (list(databases),),
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


def send(server, sender, text, stats, seq):
    """One message, sent again after a 503 until answered, as a client following Retry-After would."""
    while True:
        response = requests.post(
            f"{server.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text, "metadata": {"seq": seq}},
            timeout=60,
        )
        if response.status_code == 200:
            stats["answered"] += 1
            return response.json()
        assert response.status_code == 503, response.text[:300]
        assert response.headers.get("Retry-After"), "503 without Retry-After"
        texts = [m["text"] for m in response.json()]
        assert texts[-1] == UNAVAILABLE
        if seq in ESCALATING:
            assert texts[0].startswith(("Please call the diabetes team now", "Call 911 now.")), texts
            stats["escalated_while_down"] += 1
        stats["503"] += 1
        time.sleep(0.5)


def check_stored(tracker_url, app_url, senders):
    stored = tracker_events(engine(tracker_url), senders)
    problems = []
    for sender in senders:
        events = stored[sender]
        conversation = turns(events)
        seqs = [(t["user"].get("metadata") or {}).get("seq") for t in conversation]
        if seqs != list(range(len(MESSAGES))):
            problems.append(f"{sender}: user events by sequence number {seqs}")
        starts = sum(1 for e in events if e.get("event") == "action" and e.get("name") == "action_session_start")
        if starts != 1:
            problems.append(f"{sender}: {starts} session starts (a fresh conversation after a failed load?)")
        if any(not t["bot"] for t in conversation):
            problems.append(f"{sender}: a message without a stored answer")
    deadline = time.monotonic() + 60
    while True:
        escalations = audit_counts(engine(app_url), ESCALATIONS)
        if all(escalations[s] >= len(ESCALATING) for s in senders) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for sender in senders:
        if escalations[sender] != len(ESCALATING):
            problems.append(f"{sender}: {escalations[sender]} escalation rows, expected {len(ESCALATING)}")
    return problems, sum(len(turns(stored[s])) for s in senders)


def test_killed_backends_between_messages_lose_and_double_nothing(stack):
    pg, server, tracker_url, app_url = stack
    stats, killed = Counter(), 0
    for seq, text in enumerate(MESSAGES):
        assert send(server, "killed-backends", text, stats, seq), text
        killed += kill_backends(pg, ["failing_tracker", "failing_app"])
    assert killed >= len(MESSAGES), "the test should really have killed connections"
    problems, stored = check_stored(tracker_url, app_url, ["killed-backends"])
    print(
        f"\n[killed backends] {killed} backends killed; sent {len(MESSAGES)}, answered {stats['answered']}, "
        f"503 {stats['503']}, user events stored {stored}"
    )
    assert not problems, problems
    assert stats["answered"] == len(MESSAGES)


def test_postgres_restarted_under_load_loses_and_doubles_nothing(stack):
    pg, server, tracker_url, app_url = stack
    senders = [f"restart-{i}" for i in range(6)]
    stats, errors = Counter(), []

    def conversation(sender):
        try:
            for seq, text in enumerate(MESSAGES):
                send(server, sender, text, stats, seq)
                time.sleep(0.3)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"{sender}: {exc!r}")

    threads = [threading.Thread(target=conversation, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    time.sleep(2)
    pg.stop()  # longer than the store's retries (about 2 s): messages meanwhile get 503
    time.sleep(5)
    pg.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    problems, stored = check_stored(tracker_url, app_url, senders)
    sent = len(senders) * len(MESSAGES)
    print(
        f"\n[postgres restart] accepted {sent}, answered {stats['answered']}, lost {sent - stored}, "
        f"duplicated {max(0, stored - sent)}; 503 answers meanwhile {stats['503']} "
        f"({stats['escalated_while_down']} with the escalation reply)"
    )
    assert not problems, problems
    assert stats["answered"] == sent and stored == sent
    assert stats["503"] > 0, "Postgres was down long enough for the store to give up and say so"


def test_no_message_text_reached_the_logs_on_these_error_paths(stack):
    """The runs above made the stores fail; the server's log names what failed, never what families wrote."""
    _, server, _, _ = stack
    server.log.flush()
    log = open(server.log.name, encoding="utf-8", errors="replace").read()
    assert "TrackerStoreUnavailable" in log or "not handled" in log, "the failures should be in the log"
    for text in MESSAGES:
        if len(text) > 8:
            assert text not in log, f"{text!r} is in the server log"
    for words in ("45 and shaky", "pump stopped working", "saline week"):
        assert words not in log
