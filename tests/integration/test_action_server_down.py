"""With the action server stopped, escalation still works and topic questions get a polite reply."""

import os
import signal
import threading
import time

import pytest
import requests

from bot.core.knowledge import get_knowledge
from tools.stack.servers import rasa_stack

K = get_knowledge()


@pytest.fixture(scope="module")
def stack_without_actions(tmp_path_factory):
    with rasa_stack(tmp_path_factory.mktemp("no-actions")) as server:
        # The stack really answers topics before the action server goes away.
        assert server.say("what is the saline week", sender="before-stop")[0]["text"].startswith(
            K.fill(K.by_id["saline_week"].answer)
        )
        server.actions.stop()
        yield server


def test_emergency_still_gets_911_and_the_clinic_number(stack_without_actions):
    messages = stack_without_actions.say("he is having a seizure", sender="down-emergency")
    text = messages[0]["text"]
    assert text.splitlines()[0] == "Call 911 now."
    assert K.contacts["clinic_phone"] in text


def test_clinic_concern_still_gets_the_clinic(stack_without_actions):
    messages = stack_without_actions.say("her bg is 300 and the pump stopped working", sender="down-clinic")
    text = messages[0]["text"]
    assert K.contacts["clinic_phone"] in text
    assert "back-up plan" in text


def test_topic_question_gets_a_polite_fallback_with_the_contact(stack_without_actions):
    messages = stack_without_actions.say("who trains us on the pump", sender="down-topic")
    assert [m["text"] for m in messages] == [K.fill(K.replies["answer_unavailable"])]
    assert K.contacts["clinic_phone"] in messages[0]["text"]


def test_an_escalation_across_turns_needs_no_action_server(stack_without_actions):
    stack_without_actions.say("his sugar is", sender="down-turns")
    messages = stack_without_actions.say("2.6", sender="down-turns")
    assert messages[0]["text"].startswith("Please call the diabetes team now")
    assert K.contacts["clinic_phone"] in messages[0]["text"]


@pytest.fixture(scope="module")
def stack_with_hung_actions(tmp_path_factory):
    """The action server stopped with SIGSTOP: it accepts connections and never answers."""
    with rasa_stack(tmp_path_factory.mktemp("hung-actions")) as server:
        assert server.say("what is the saline week", sender="before-hang")[0]["text"].startswith(
            K.fill(K.by_id["saline_week"].answer)
        )
        os.kill(server.actions.proc.pid, signal.SIGSTOP)
        try:
            yield server
        finally:
            os.kill(server.actions.proc.pid, signal.SIGCONT)


def test_a_hung_action_server_neither_holds_a_question_nor_delays_an_emergency(stack_with_hung_actions):
    server, sender, replies = stack_with_hung_actions, "hung-actions", {}

    def ask():
        started = time.monotonic()
        replies["topic"] = (server.say("who trains us on the pump", sender=sender), time.monotonic() - started)

    question = threading.Thread(target=ask)
    question.start()
    time.sleep(0.5)  # the question now holds the conversation's lock, waiting for the action server
    started = time.monotonic()
    emergency = server.say("she is having a seizure", sender=sender, timeout=60)
    emergency_seconds = time.monotonic() - started
    question.join(timeout=60)
    topic, topic_seconds = replies["topic"]
    print(
        f"\n[hung action server] topic question answered in {topic_seconds:.1f} s, "
        f"the emergency behind it in {emergency_seconds:.1f} s"
    )
    assert [m["text"] for m in topic] == [K.fill(K.replies["answer_unavailable"])]
    assert topic_seconds < 10, "a hung action server must not hold a family for minutes"
    assert emergency[0]["text"].splitlines()[0] == "Call 911 now."
    # Not behind the question: answered at once, the conversation still records it in turn.
    assert emergency_seconds < 1.5
    deadline = time.monotonic() + 30
    while True:
        events = requests.get(server.api(f"/conversations/{sender}/tracker"), timeout=10).json()["events"]
        users = [e for e in events if e["event"] == "user"]
        if len(users) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [e["text"] for e in users] == ["who trains us on the pump", "she is having a seizure"]
    assert users[1]["parse_data"]["intent"]["name"] == "escalate_emergency"
