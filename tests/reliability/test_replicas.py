"""Two Rasa replicas share Postgres and Redis; each conversation's messages alternate between them.

50 conversations of 20 messages, several conversations at a time. Then every
conversation's events are read straight from the Postgres tracker store: the 20
user messages in the order sent, each answered with exactly the replies the
client received, nothing stored twice; and one audit row per escalated or
unanswered message in the app database.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List

import requests

from tests.reliability.stored import (
    ESCALATIONS,
    UNANSWERED,
    audit_counts,
    duplicated,
    engine,
    tracker_events,
    turns,
)

CONVERSATIONS = 50
MESSAGES = 20
CLIENTS = 6  # conversations in flight at once (2 cores: more only queues)

# What families write: topics, buttons, chit-chat, out of scope and blood-sugar
# concerns (which the broker records in the app database).
SCRIPT = [
    "hello",
    "what is the saline week",
    "do we still do shots during the saline week??",
    "my son is 9 can he get a pump",
    "who teaches us how to use the pump",
    "he's 45 and shaky",
    "how often r follow ups after we start",
    "/ask_insulin_start",
    "wat if the pump breaks",
    "can you help with my math homework",
    "how do i get more pump supplies",
    "her bg is 300 and the pump stopped working",
    "thanks",
    "who trains us on the pump",
    "what happens at the first visit",
    "he is having a seizure",
    "is there a waiting list",
    "what do we bring to pump start",
    "ok thank you so much",
    "bye",
]
assert len(SCRIPT) == MESSAGES

# Signs in a server log that a message was not handled cleanly, or was kept out of the shared store.
BAD_LOG_SIGNS = (
    "Traceback",
    "Falling back to use the 'InMemoryTrackerStore'",
    "LockError",
    "Could not acquire lock",
    "Exception occurred while handling uri",
)


def script_for(conversation: int) -> List[str]:
    k = conversation % MESSAGES
    return SCRIPT[k:] + SCRIPT[:k]


def run_conversation(servers, conversation: int) -> dict:
    """Send the messages in order, alternating replicas; returns replies and any errors."""
    sender = f"replica-load-{conversation:02d}"
    texts = script_for(conversation)
    replies, errors, latencies = [], [], []
    with requests.Session() as http:
        for seq, text in enumerate(texts):
            server = servers[(conversation + seq) % len(servers)]
            started = time.monotonic()
            try:
                response = http.post(
                    f"{server.url}/webhooks/rest/webhook",
                    json={"sender": sender, "message": text, "metadata": {"seq": seq}},
                    timeout=60,
                )
                latencies.append(time.monotonic() - started)
                if response.status_code != 200:
                    errors.append(
                        f"{sender} #{seq} on :{server.port}: HTTP {response.status_code} {response.text[:200]}"
                    )
                    replies.append([])
                    continue
                messages = response.json()
                if not messages:
                    errors.append(f"{sender} #{seq} on :{server.port}: no reply to {text!r}")
                replies.append([m.get("text") for m in messages])
            except requests.RequestException as exc:
                errors.append(f"{sender} #{seq} on :{server.port}: {exc.__class__.__name__}: {exc}")
                replies.append([])
    return {"sender": sender, "texts": texts, "replies": replies, "errors": errors, "latencies": latencies}


def test_conversations_alternating_between_two_replicas_lose_and_duplicate_nothing(replicas):
    servers = replicas.servers
    log_sizes = [Path(s.log.name).stat().st_size for s in servers]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(lambda c: run_conversation(servers, c), range(CONVERSATIONS)))
    elapsed = time.monotonic() - started

    errors = [e for r in results for e in r["errors"]]
    latencies = sorted(t for r in results for t in r["latencies"])
    sent = sum(len(r["texts"]) for r in results)
    print(
        f"\n[replicas] {CONVERSATIONS} conversations x {MESSAGES} messages on 2 replicas "
        f"({CLIENTS} at a time): {sent} messages sent in {elapsed:.1f} s "
        f"({sent / elapsed:.1f}/s; latency median {latencies[len(latencies) // 2] * 1000:.0f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms); "
        f"errors: {len(errors)}"
    )
    assert not errors, "\n".join(errors[:20])

    # The tracker store itself, not a server's view of it.
    tracker_db, app_db = engine(replicas.tracker_url), engine(replicas.app_url)
    stored = tracker_events(tracker_db, [r["sender"] for r in results])
    problems = []
    events_checked = user_events = bot_events = 0
    expected_escalations, expected_unanswered = {}, {}
    for result in results:
        sender, events = result["sender"], stored[result["sender"]]
        events_checked += len(events)
        conversation = turns(events)
        user_events += len(conversation)
        bot_events += sum(len(t["bot"]) for t in conversation)
        seqs = [(t["user"].get("metadata") or {}).get("seq") for t in conversation]
        if seqs != list(range(MESSAGES)):
            problems.append(f"{sender}: user events by sequence number {seqs}")
        if [t["user"]["text"] for t in conversation] != result["texts"]:
            problems.append(f"{sender}: user texts out of order or changed")
        for seq, (turn, replied) in enumerate(zip(conversation, result["replies"], strict=False)):
            if not turn["bot"]:
                problems.append(f"{sender} #{seq}: no bot event stored after {turn['user']['text']!r}")
            elif turn["bot"] != replied:
                problems.append(f"{sender} #{seq}: stored bot events {turn['bot']} != replies sent {replied}")
            if turn["actions"][-1:] != ["action_listen"]:
                problems.append(f"{sender} #{seq}: turn does not end listening: {turn['actions']}")
        if duplicated(events):
            problems.append(f"{sender}: events stored twice: {duplicated(events)[:3]}")
        intents = [t["user"]["parse_data"]["intent"]["name"] for t in conversation]
        expected_escalations[sender] = sum(i.startswith("escalate_") for i in intents)
        # A question the materials do not cover is recorded for staff, whichever way it was told apart.
        expected_unanswered[sender] = sum(i in ("not_covered", "nlu_fallback", "out_of_scope") for i in intents)

    # The brokers' writer threads store the last rows just after the last replies.
    deadline = time.monotonic() + 20
    while True:
        escalations, unanswered = audit_counts(app_db, ESCALATIONS), audit_counts(app_db, UNANSWERED)
        done = all(
            escalations[s] >= expected_escalations[s] and unanswered[s] >= expected_unanswered[s]
            for s in expected_escalations
        )
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    for sender in expected_escalations:
        if escalations[sender] != expected_escalations[sender]:
            problems.append(
                f"{sender}: {escalations[sender]} escalation rows for {expected_escalations[sender]} escalations"
            )
        if unanswered[sender] != expected_unanswered[sender]:
            problems.append(
                f"{sender}: {unanswered[sender]} unanswered rows for {expected_unanswered[sender]} questions"
            )

    # Both replicas read the same conversation back from the shared store.
    for result in results[:10]:
        for server in servers:
            tracker = requests.get(server.api(f"/conversations/{result['sender']}/tracker"), timeout=30).json()
            if len(tracker["events"]) != len(stored[result["sender"]]):
                problems.append(
                    f"{result['sender']}: replica :{server.port} sees {len(tracker['events'])} events, "
                    f"the store holds {len(stored[result['sender']])}"
                )

    log_problems = []
    for server, size in zip(servers, log_sizes, strict=False):
        with open(server.log.name, errors="replace") as log:
            log.seek(size)
            for line in log:
                if any(sign in line for sign in BAD_LOG_SIGNS):
                    log_problems.append(f":{server.port}: {line.strip()[:300]}")

    print(
        f"[replicas] tracker store: {events_checked} events checked, {user_events} user events "
        f"(expected {sent}), {bot_events} bot events; app database: {sum(escalations.values())} escalation and "
        f"{sum(unanswered.values())} unanswered rows (expected {sum(expected_escalations.values())} and "
        f"{sum(expected_unanswered.values())}); problems: {len(problems)}; bad server log lines: {len(log_problems)}"
    )
    assert not problems, "\n".join(problems[:20])
    assert user_events == sent
    assert not log_problems, "\n".join(log_problems[:20])


PAIR_CONVERSATIONS = 15
PAIR_ROUNDS = 4


def send(server, sender: str, text: str, seq: int) -> List[str]:
    response = requests.post(
        f"{server.url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text, "metadata": {"seq": seq}},
        timeout=60,
    )
    response.raise_for_status()
    return [m.get("text") for m in response.json()]


def test_messages_sent_to_both_replicas_at_once_are_taken_one_at_a_time(replicas):
    """Two messages of one conversation reach both replicas together (a double tap behind the
    load balancer): the Redis lock makes them take turns, so neither is lost nor answered twice."""
    servers = replicas.servers

    def conversation(c: int) -> dict:
        sender = f"replica-pair-{c:02d}"
        replies, errors = {}, []
        with ThreadPoolExecutor(max_workers=2) as pair:
            for r in range(PAIR_ROUNDS):
                seqs = (2 * r, 2 * r + 1)
                futures = {
                    seq: pair.submit(send, servers[seq % 2], sender, SCRIPT[(c + seq) % MESSAGES], seq) for seq in seqs
                }
                for seq, future in futures.items():
                    try:
                        replies[seq] = future.result()
                    except Exception as exc:  # noqa: BLE001 - every failure is reported below
                        errors.append(f"{sender} #{seq}: {exc.__class__.__name__}: {exc}")
        return {"sender": sender, "replies": replies, "errors": errors}

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(conversation, range(PAIR_CONVERSATIONS)))
    elapsed = time.monotonic() - started
    errors = [e for r in results for e in r["errors"]]
    sent = PAIR_CONVERSATIONS * PAIR_ROUNDS * 2
    print(
        f"\n[replicas] {PAIR_CONVERSATIONS} conversations x {PAIR_ROUNDS} pairs of simultaneous messages "
        f"(one to each replica): {sent} messages sent in {elapsed:.1f} s; errors: {len(errors)}"
    )
    assert not errors, "\n".join(errors[:20])

    stored = tracker_events(engine(replicas.tracker_url), [r["sender"] for r in results])
    problems, checked = [], 0
    for result in results:
        sender, events = result["sender"], stored[result["sender"]]
        checked += len(events)
        conversation = turns(events)
        seqs = [(t["user"].get("metadata") or {}).get("seq") for t in conversation]
        # Within a pair either may go first; pairs stay in order; every message exactly once.
        if [sorted(seqs[i : i + 2]) for i in range(0, len(seqs), 2)] != [
            [2 * r, 2 * r + 1] for r in range(PAIR_ROUNDS)
        ]:
            problems.append(f"{sender}: user events by sequence number {seqs}")
            continue
        for turn, seq in zip(conversation, seqs, strict=False):
            if not turn["bot"] or turn["bot"] != result["replies"][seq]:
                problems.append(
                    f"{sender} #{seq}: stored bot events {turn['bot']} != replies sent {result['replies'][seq]}"
                )
        if duplicated(events):
            problems.append(f"{sender}: events stored twice")
    print(
        f"[replicas] tracker store: {checked} events checked, "
        f"{sum(len(turns(e)) for e in stored.values())} user events (expected {sent}); problems: {len(problems)}"
    )
    assert not problems, "\n".join(problems[:20])
