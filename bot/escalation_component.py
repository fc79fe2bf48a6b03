"""The escalation detector as a Rasa NLU component.

It runs inside the Rasa server after intent classification (and after the
FallbackClassifier), so escalation needs no action server and wins over any
topic intent: when bot.escalation finds an emergency or a clinic concern, the
intent is replaced by escalate_emergency / escalate_clinic with confidence 1.
Entities carry the reason, the normalised reading and whether a pump failure
was mentioned, for the reply (via slots) and the audit record.
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.escalation import assess, load_rules

LEVEL_INTENTS = {"emergency": "escalate_emergency", "clinic": "escalate_clinic"}
SEVERITY = {"none": 0, "clinic": 1, "emergency": 2}
EXTRACTOR = "EscalationDetector"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EscalationDetector(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.rules = load_rules()  # a broken escalation.yml stops the server at start

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EscalationDetector":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def process_training_data(self, training_data):
        return training_data

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        result = assess(text, self.rules)
        level = result.level
        reason = result.reason_text
        # An escalate_* intent from the classifier (one that got past the
        # FallbackClassifier) is kept even when the patterns found nothing: it
        # can only add escalations, and every escalation gets a reason.
        predicted = (message.get(INTENT) or {}).get("name")
        classifier_level = next((lvl for lvl, i in LEVEL_INTENTS.items() if i == predicted), "none")
        if SEVERITY[classifier_level] > SEVERITY[level]:
            level = classifier_level
            reason = reason or self.rules.classifier_reasons[level]
        if level == "none":
            return
        intent = {"name": LEVEL_INTENTS[level], "confidence": 1.0}
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        entities = [e for e in message.get(ENTITIES, []) if e.get("extractor") != EXTRACTOR]
        entities.append(_entity("escalation_reason", reason, text))
        entities.append(_entity("pump_failure", "yes" if result.pump_failure else "no", text))
        if result.reading_mgdl is not None:
            entities.append(_entity("escalation_reading", str(round(result.reading_mgdl)), text))
        message.set(ENTITIES, entities, add_to_output=True)


def _entity(name: str, value: str, text: str) -> Dict[Text, Any]:
    # The whole message is the evidence; start/end keep Rasa's entity format valid.
    return {"entity": name, "value": value, "start": 0, "end": len(text),
            "confidence_entity": 1.0, "extractor": EXTRACTOR}
