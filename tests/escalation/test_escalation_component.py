"""The escalation NLU component on Rasa messages, offline (no model, no server)."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.core.escalation.lexicon import load_lexicon
from bot.rasa.escalation_component import EscalationDetector

REASONS = load_lexicon("en").classifier_reasons


@pytest.fixture(scope="module")
def component():
    return EscalationDetector(EscalationDetector.get_default_config())


def parsed(component, text, intent="ask_saline_week", confidence=0.9):
    message = Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
            "entities": [],
        }
    )
    component.process([message])
    entities = {e["entity"]: e["value"] for e in message.get("entities")}
    return message.get("intent")["name"], entities


def test_a_reading_overrides_a_topic_intent(component):
    intent, entities = parsed(component, "day 3 of saline and her bg is 45")
    assert intent == "escalate_clinic"
    assert entities["escalation_reason"] == "readings below 70"
    assert entities["escalation_reading"] == "45"
    assert entities["pump_failure"] == "no"


def test_emergency_beats_everything(component):
    intent, entities = parsed(component, "he had a seizure, is that from the saline week?", "escalate_clinic", 1.0)
    assert intent == "escalate_emergency"


def test_pump_failure_with_a_high_sets_the_back_up_plan_flag(component):
    intent, entities = parsed(component, "pump stopped working and he's 340")
    assert intent == "escalate_clinic" and entities["pump_failure"] == "yes"


def test_topic_questions_with_numbers_are_left_alone(component):
    for text in (
        "my daughter is 9, can she get a pump",
        "day 3 of saline, still shots?",
        "is follow up every 3 months",
    ):
        assert parsed(component, text) == ("ask_saline_week", {}), text


def test_a_classifier_escalation_with_medical_evidence_is_kept(component):
    # The lexicon makes "shaky" a clinic concern; the classifier heard an emergency: it stands.
    intent, entities = parsed(component, "shes shaky and something is really really wrong", "escalate_emergency", 0.8)
    assert intent == "escalate_emergency"
    assert entities["escalation_reason"] == "signs of a low blood sugar"


def test_every_kept_classifier_escalation_gets_a_reason(component):
    # Whatever its confidence, an escalate_* intent that reaches the dialogue is
    # answered with utter_escalate_*, whose text needs the reason slot filled.
    # Fast breathing alone escalates by no rule, but it is medical evidence.
    intent, entities = parsed(component, "he is breathing really fast", "escalate_clinic", 0.3)
    assert intent == "escalate_clinic"
    assert entities["escalation_reason"] == REASONS["clinic"]


@pytest.mark.parametrize(
    "text",
    [
        "the order ships in 5 to 7 business days",
        "not sure what's going on with the insurance",
        "his numbers have been perfect, about 120 all week",
        "im so worried about the pump start, help",  # worry is not a sign
        "bg 180 is that too high?",  # a reading in range says no
        "something is really wrong with the insurance portal",
    ],
)
def test_a_classifier_escalation_without_medical_evidence_is_dropped(component, text):
    message = Message(
        data={
            "text": text,
            "intent": {"name": "escalate_clinic", "confidence": 0.6},
            "intent_ranking": [
                {"name": "escalate_clinic", "confidence": 0.6},
                {"name": "ask_supplies", "confidence": 0.3},
            ],
            "entities": [],
        }
    )
    component.process([message])
    assert message.get("intent")["name"] == "ask_supplies"
    assert all(e["extractor"] != "EscalationDetector" for e in message.get("entities"))


def test_without_a_topic_left_an_unfounded_escalation_becomes_the_fallback(component):
    message = Message(
        data={
            "text": "ok so 5 to 7 days then",
            "intent": {"name": "escalate_emergency", "confidence": 0.9},
            "intent_ranking": [
                {"name": "escalate_emergency", "confidence": 0.9},
                {"name": "ask_supplies", "confidence": 0.05},
            ],
            "entities": [],
        }
    )
    component.process([message])
    assert message.get("intent")["name"] == "nlu_fallback"
