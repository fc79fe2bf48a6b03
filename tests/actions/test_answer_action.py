"""The answer action on offline tracker fixtures (no servers)."""

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionAnswerTopic
from bot.core.knowledge import get_knowledge


def tracker_for(intent: str, text: str = "question") -> Tracker:
    return Tracker(
        sender_id="offline-fixture",
        slots={},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(intent: str):
    dispatcher = CollectingDispatcher()
    events = ActionAnswerTopic().run(dispatcher, tracker_for(intent), {})
    assert events == []
    assert len(dispatcher.messages) == 1
    return dispatcher.messages[0]


def test_saline_week_answer_comes_from_knowledge_with_source_and_buttons():
    knowledge = get_knowledge()
    topic = knowledge.by_id["saline_week"]
    message = run("ask_saline_week")
    assert message["text"].startswith(knowledge.fill(topic.answer))
    assert message["text"].endswith("Source: pump program page, how the program works")
    assert [b["payload"] for b in message["buttons"]] == ["/" + knowledge.by_id[r].intent for r in topic.related]
    assert message["sms_text"] == knowledge.fill(topic.sms)


@pytest.mark.parametrize("topic", [t.id for t in get_knowledge().topics])
def test_every_topic_answers_with_a_source_and_at_most_three_buttons(topic):
    knowledge = get_knowledge()
    message = run(knowledge.by_id[topic].intent)
    assert "\n\nSource: " in message["text"]
    assert "{" not in message["text"], "a placeholder was left unfilled"
    assert 1 <= len(message["buttons"]) <= 3


def test_contact_answer_uses_the_configured_number():
    message = run("ask_contact")
    assert get_knowledge().contacts["clinic_phone"] in message["text"]


def test_dose_questions_get_no_numbers_only_the_team():
    message = run("ask_dose_or_settings_advice")
    text = message["text"]
    for contact in get_knowledge().contacts.values():  # contact details may hold digits
        text = text.replace(contact, "")
    text = text.replace("911", "")
    assert not any(ch.isdigit() for ch in text), text
    assert "diabetes team" in message["text"]


def test_unknown_intent_falls_back_to_the_fallback_response():
    message = run("greet")
    assert message["response"] == "utter_fallback"
