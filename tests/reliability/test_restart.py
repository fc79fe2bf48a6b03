"""A replica killed mid-conversation and started again carries on from the stored history.

The replica is killed hard (SIGKILL, as a crash or an OOM kill would), a message
meanwhile goes to the other replica (as the load balancer would send it), and
the restarted replica then answers the next message in the same session: had
it lost the history, Rasa would open a new session (action_session_start) and
forget the slot set earlier.
"""

import signal

import requests

from bot.core.knowledge import get_knowledge
from tests.reliability.stored import engine, tracker_events, turns

K = get_knowledge()
SENDER = "restart-mid-conversation"
BEFORE = ["hello", "what is the saline week", "he's 45 and shaky", "who trains us on the pump"]
DURING = "wat if the pump breaks"
AFTER = "how do i get more pump supplies"


def tracker(server) -> dict:
    response = requests.get(server.api(f"/conversations/{SENDER}/tracker"), timeout=30)
    response.raise_for_status()
    return response.json()


def test_a_replica_restarted_mid_conversation_continues_it(replicas):
    first, other = replicas.servers
    for text in BEFORE:
        assert first.say(text, sender=SENDER), text
    before = tracker(first)
    reason = before["slots"]["escalation_reason"]
    assert reason, "the blood-sugar message should have set escalation_reason"

    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=30)
    first.log.close()
    # The load balancer sends the next message to the replica that is still up.
    during = other.say(DURING, sender=SENDER)
    assert during[0]["text"].startswith(K.fill(K.by_id["backup_plan"].answer)), during

    first.start()
    restarted = tracker(first)
    stored_before = len(before["events"])
    assert restarted["events"][:stored_before] == before["events"], "history changed across the restart"
    assert restarted["slots"]["escalation_reason"] == reason

    after = first.say(AFTER, sender=SENDER)
    assert after[0]["text"].startswith(K.fill(K.by_id["supplies"].answer)), after

    final = tracker(first)
    new_events = final["events"][stored_before:]
    assert not [e for e in new_events if e["event"] == "session_started"], "a new session was opened after the restart"
    assert final["slots"]["escalation_reason"] == reason
    stored = tracker_events(engine(replicas.tracker_url), [SENDER])[SENDER]
    conversation = turns(stored)
    assert [t["user"]["text"] for t in conversation] == BEFORE + [DURING, AFTER]
    assert all(t["bot"] for t in conversation)
    assert len(stored) == len(final["events"])
    print(
        f"\n[restart] replica :{first.port} killed after {len(BEFORE)} messages "
        f"({stored_before} events), 1 message answered by :{other.port} meanwhile, restarted; "
        f"after the restart it had all {stored_before} earlier events, the same session and slot, "
        f"and answered the next message; {len(stored)} events in the tracker store, "
        f"{len(conversation)} user messages, all answered"
    )
