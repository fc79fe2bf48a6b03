"""With the action server stopped, escalation still works and topic questions get a polite reply."""

import pytest

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
