"""The answer action on offline tracker fixtures (no servers)."""

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionAnswerTopic
from bot.core.knowledge import get_knowledge


def tracker_for(intent: str, text: str = "question", entities=()) -> Tracker:
    return Tracker(
        sender_id="offline-fixture",
        slots={},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": list(entities)},
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


def run_all(intent: str, **entities):
    dispatcher = CollectingDispatcher()
    found = [{"entity": name, "value": value} for name, value in entities.items()]
    assert ActionAnswerTopic().run(dispatcher, tracker_for(intent, entities=found), {}) == []
    return dispatcher.messages


def test_two_questions_get_two_answers_each_with_its_source_and_menu():
    knowledge = get_knowledge()
    first, second = run_all("ask_saline_week", second_topic="pump_training")
    assert first["text"].startswith(knowledge.fill(knowledge.by_id["saline_week"].answer))
    assert second["text"].startswith(knowledge.fill(knowledge.by_id["pump_training"].answer))
    assert "\n\nSource: " in first["text"] and "\n\nSource: " in second["text"]
    shown = {"/ask_saline_week", "/ask_pump_training"}
    for message in (first, second):
        assert 1 <= len(message["buttons"]) <= 3
        assert not shown & {b["payload"] for b in message["buttons"]}, "the menu offers what was just answered"


def test_a_second_topic_that_repeats_the_first_or_is_unknown_gives_one_answer():
    assert len(run_all("ask_saline_week", second_topic="saline_week")) == 1
    assert len(run_all("ask_saline_week", second_topic="no_such_topic")) == 1


@pytest.mark.parametrize("theme", ["water", "cost", "cgm", "general", None])
def test_not_covered_says_so_names_who_can_answer_and_the_clinic(theme):
    from bot.core.understanding import load_lexicon, load_rules

    entities = {"not_covered_theme": theme} if theme else {}
    [message] = run_all("not_covered", **entities)
    rules, contacts = load_rules(), get_knowledge().contacts
    who = rules.themes[theme or "general"].who
    assert load_lexicon("en").referrals[who] in message["text"]
    assert contacts["clinic_phone"] in message["text"] and "911" in message["text"]
    assert "{" not in message["text"] and message["sms_text"] == message["text"]
    near = rules.themes[theme or "general"].near
    assert [b["payload"] for b in message["buttons"]] == ([f"/ask_{near}"] if near else [])
