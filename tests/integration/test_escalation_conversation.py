"""Escalation over REST against the trained bot: across turns, against false alarms, on long messages."""

import pytest

from bot.channels.input_checks import MAX_MESSAGE_CHARS
from bot.core.knowledge import get_knowledge

K = get_knowledge()
EMERGENCY = "Call 911 now."
CLINIC = "Please call the diabetes team now"


def first_line(messages) -> str:
    return messages[0]["text"].splitlines()[0] if messages and messages[0].get("text") else ""


def is_escalation(messages) -> bool:
    return any(m.get("text", "").startswith((EMERGENCY, CLINIC)) for m in messages)


@pytest.mark.parametrize(
    "turns, lead",
    [
        (["his sugar is", "45"], CLINIC),
        (["my daughters dexcom", "says 30 something"], CLINIC),
        (["checked his bg", "39"], CLINIC),
        (["she's been sick all day", "now she won't wake up"], EMERGENCY),
        (["dexcom says 44", "and now she's really confused"], EMERGENCY),
    ],
)
def test_a_turn_that_completes_an_earlier_one_escalates(stack, turns, lead):
    sender = "turns-" + "-".join(t.split()[0] for t in turns)
    for turn in turns[:-1]:
        stack.say(turn, sender=sender)
    messages = stack.say(turns[-1], sender=sender)
    assert first_line(messages).startswith(lead), messages
    assert K.contacts["clinic_phone"] in messages[0]["text"]


def test_the_completing_turn_alone_in_a_new_conversation_is_no_alarm(stack):
    assert not is_escalation(stack.say("says 30 something", sender="turns-fresh"))
    # A lone small number is an option or a count, never a reading.
    assert not is_escalation(stack.say("2", sender="turns-fresh"))


def test_a_question_after_an_escalation_gets_its_answer_not_another_alarm(stack):
    sender = "turns-after-alarm"
    assert first_line(stack.say("he's 320", sender=sender)).startswith(CLINIC)
    messages = stack.say("what is the saline week", sender=sender)
    assert messages[0]["text"].startswith(K.fill(K.by_id["saline_week"].answer))


@pytest.mark.parametrize(
    "text",
    [
        "the order ships in 5 to 7 business days",
        "his numbers have been perfect, about 120 all week. what are the four phases",
        "what do we do if he ever passes out? we want to be prepared before the pump",
        "she had dka at diagnosis 2 years ago, will that stop her getting a pump",
        "my friends son had a seizure last month, does the pump help with that",
    ],
)
def test_benign_messages_get_no_alarm(stack, text):
    messages = stack.say(text, sender="benign-" + str(abs(hash(text)) % 10**8))
    assert not is_escalation(messages), messages


def test_a_long_message_is_cut_answered_and_followed_by_a_note(stack):
    text = "my son is 45 and shaky. " + "we were at the park all day. " * 200
    assert len(text) > MAX_MESSAGE_CHARS
    messages = stack.say(text, sender="long-escalation")
    assert first_line(messages).startswith(CLINIC), messages
    assert messages[-1]["text"] == K.fill(K.replies["message_too_long"])


def test_a_64kb_message_is_answered_and_the_conversation_goes_on(stack):
    messages = stack.say("1 " * 32768, sender="long-64kb", timeout=15)
    assert messages[-1]["text"] == K.fill(K.replies["message_too_long"])
    assert first_line(stack.say("she won't wake up", sender="long-64kb")) == EMERGENCY
