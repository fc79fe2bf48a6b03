"""What the trained bot makes of a message, over REST on loopback: a question our
materials do not answer, a follow-up, two questions in one message."""

import time

from sqlalchemy import select

from bot.core.knowledge import get_knowledge
from bot.core.understanding import load_lexicon
from bot.db.engine import session_factory
from bot.db.tables import UnansweredQuestion
from bot.ops.report import build_report

K = get_knowledge()


def answer_of(topic_id: str) -> str:
    return K.fill(K.by_id[topic_id].answer)


def test_a_not_covered_question_is_answered_honestly_and_lands_in_the_report_by_theme(stack):
    question = "is it safe to take the pump on a water slide"
    [message] = stack.say(question, sender="rest-not-covered")
    assert load_lexicon("en").referrals["pump_company"] in message["text"]
    assert K.contacts["clinic_phone"] in message["text"]
    url = stack.env["APP_DATABASE_URL"]
    deadline = time.monotonic() + 15  # the broker's writer thread stores the row just after the reply
    while True:
        with session_factory(url)() as db:
            rows = db.scalars(
                select(UnansweredQuestion).where(UnansweredQuestion.conversation_id == "rest-not-covered")
            ).all()
        if rows or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [(r.intent, r.theme, r.text) for r in rows] == [("not_covered", "water", question)]
    report = build_report(url=url).splitlines()
    theme_line = next(i for i, line in enumerate(report) if line.strip().startswith("water:"))
    assert any(question in line for line in report[theme_line + 1 :])


def test_a_follow_up_is_answered_from_the_previous_topic(stack):
    stack.say("what are the phases of getting a pump", sender="rest-follow-up")
    [message] = stack.say("tell me about number 3", sender="rest-follow-up")
    assert message["text"].startswith(answer_of("education_visit"))


def test_two_questions_get_two_answers_each_with_its_source(stack):
    messages = stack.say("how long is the saline week? and who trains us on the pump?", sender="rest-two")
    assert [m["text"].split("\n\nSource:")[0] for m in messages] == [
        answer_of("saline_week"),
        answer_of("pump_training"),
    ]
    assert all("\n\nSource: " in m["text"] for m in messages)


def test_a_question_about_doses_gets_the_calm_answer_not_call_now(stack):
    [message] = stack.say("how many units would she need for a bowl of pasta", sender="rest-dose")
    assert message["text"].startswith(K.fill(K.by_id["dose_or_settings_advice"].answer))
