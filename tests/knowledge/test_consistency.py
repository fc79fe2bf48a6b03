"""knowledge/, the domain, the rules and the NLU data agree with each other."""

import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot import PROJECT_ROOT
from bot.core.knowledge import get_knowledge
from bot.ops.build import domain_responses, topic_intents


def _domain_intents():
    intents = set()
    for path in (PROJECT_ROOT / "domain").glob("*.yml"):
        intents.update(yaml.safe_load(path.read_text()).get("intents") or [])
    return intents


def test_every_topic_intent_is_in_domain_rules_and_nlu():
    knowledge = get_knowledge()
    topic_intents = {t.intent for t in knowledge.topics}
    assert topic_intents <= _domain_intents()
    rule = yaml.safe_load((PROJECT_ROOT / "data/rules/topics.yml").read_text())["rules"][0]
    assert {step["intent"] for step in rule["steps"][0]["or"]} == topic_intents
    trained = {e.get("intent") for e in load_data(str(PROJECT_ROOT / "data/nlu")).intent_examples}
    assert topic_intents <= trained


def test_generated_responses_are_up_to_date():
    assert (
        domain_responses.OUTPUT.read_text() == domain_responses.render()
    ), "domain/generated_responses.yml is stale: run `python -m bot build`"


def test_emergency_reply_starts_with_911():
    text = get_knowledge().replies["escalate_emergency"]
    assert text.splitlines()[0] == "Call 911 now."


def test_endpoints_use_the_contact_filling_nlg_and_audit_broker():
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    assert endpoints["nlg"]["type"] == "bot.rasa.nlg.ContactFillingNLG"
    assert endpoints["event_broker"]["type"] == "bot.rasa.audit_broker.AuditEventBroker"


def test_generated_topic_intents_are_up_to_date():
    for path, text in topic_intents.render().items():
        assert path.read_text() == text, f"{path} is stale: run `python -m bot build`"
