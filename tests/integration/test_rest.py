"""The trained bot on loopback, asked real questions over REST."""

import time

import pytest
from sqlalchemy import select

from bot.core.knowledge import get_knowledge
from bot.db.engine import session_factory
from bot.db.tables import Escalation, UnansweredQuestion

K = get_knowledge()


def answer_of(topic_id: str) -> str:
    return K.fill(K.by_id[topic_id].answer)


def test_saline_week_answer_with_its_source(stack):
    messages = stack.say("what is the saline week", sender="rest-saline")
    assert len(messages) == 1
    text = messages[0]["text"]
    assert text.startswith(answer_of("saline_week"))
    assert "Source: pump program page, how the program works" in text
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/" + K.by_id[r].intent for r in K.by_id["saline_week"].related
    ]


@pytest.mark.parametrize(
    "question, topic",
    [
        ("my son is 9 can he get a pump", "young_children"),
        ("do we still do shots during the saline week??", "saline_injections"),
        ("who teaches us how to use the pump", "pump_training"),
        ("how often r follow ups after we start", "followup"),
        ("wat if the pump breaks", "backup_plan"),
        ("how do i get more pump supplies", "supplies"),
    ],
)
def test_families_questions_get_the_right_topic(stack, question, topic):
    messages = stack.say(question, sender=f"rest-{topic}")
    assert messages[0]["text"].startswith(answer_of(topic)), messages


def test_a_button_payload_answers_its_topic(stack):
    messages = stack.say("/ask_insulin_start", sender="rest-button")
    assert messages[0]["text"].startswith(answer_of("insulin_start"))


def test_emergency_gets_911_first_and_the_clinic_number(stack):
    messages = stack.say("my daughter passed out and wont wake up", sender="rest-emergency")
    text = messages[0]["text"]
    assert text.splitlines()[0] == "Call 911 now."
    assert K.contacts["clinic_phone"] in text


def test_low_reading_goes_to_the_clinic_with_the_reason(stack):
    messages = stack.say("shes been 52 every morning this week", sender="rest-clinic")
    text = " ".join(m.get("text", "") for m in messages)
    assert K.contacts["clinic_phone"] in text
    assert "70" in text and "911" in text


def test_escalation_wins_over_a_topic_in_the_same_message(stack):
    messages = stack.say("saline week question: his bg is 320 and pump tube came out", sender="rest-mixed")
    assert K.contacts["clinic_phone"] in messages[0]["text"]
    assert not messages[0]["text"].startswith(answer_of("saline_week"))


def test_greeting_fills_the_program_name(stack):
    messages = stack.say("hello", sender="rest-greet")
    assert K.contacts["program_name"] in messages[0]["text"]
    assert "{" not in messages[0]["text"]


def test_escalations_and_unanswered_questions_are_recorded_without_text(stack):
    stack.say("he's 45 and shaky", sender="rest-audit")
    stack.say("can you help with my math homework", sender="rest-audit-oos")
    sessions = session_factory(stack.env["APP_DATABASE_URL"])
    deadline = time.monotonic() + 15  # the broker's writer thread stores rows just after the reply
    while True:
        with sessions() as db:
            rows = db.scalars(select(Escalation).where(Escalation.conversation_id == "rest-audit")).all()
            unanswered = db.scalars(
                select(UnansweredQuestion).where(UnansweredQuestion.conversation_id == "rest-audit-oos")
            ).all()
        if (rows and unanswered) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(rows) == 1
    row = rows[0]
    assert (row.channel, row.level, row.reading_mgdl) == ("rest", "clinic", 45)
    assert "shaky" not in row.reason
    assert [q.text for q in unanswered] == ["can you help with my math homework"]
