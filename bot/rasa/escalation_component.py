"""The escalation detector as a Rasa NLU component.

It runs inside the Rasa server after intent classification (and after the
FallbackClassifier), so escalation needs no action server and wins over any
topic intent: when bot.core.escalation finds an emergency or a clinic concern in
the message, read together with the family's last messages from the tracker
("his sugar is" then "45"), the intent is replaced by escalate_emergency /
escalate_clinic with confidence 1. Entities carry the reason (as text and as
lexicon keys), the normalised reading and whether a pump failure was mentioned, for the reply (via slots)
and the audit record.

The classifier's own escalate_* intent is a safety net for phrasings the
lexicons do not know, and it is kept only when the message holds medical
evidence (a sign, a concern, a reading out of range): benign text never gets
"call now". Without evidence the next intent of the ranking is used.
"""

import time
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.core.escalation import assess_turns, load_rules
from bot.core.escalation.levels import INTENT_LEVELS, LEVEL_INTENTS, RANK
from bot.core.escalation.lexicon import load_lexicon
from bot.rasa.untrained import UntrainedComponent

EXTRACTOR = "EscalationDetector"
FALLBACK_INTENT = "nlu_fallback"
NO_KEYS = "-"  # the classifier's reason: an entity needs a value


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EscalationDetector(UntrainedComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Below this, a topic intent left after dropping an unfounded
        # escalate_* is no answer: the FallbackClassifier's threshold.
        return {"fallback_threshold": 0.25, "language": "en"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = {**self.get_default_config(), **config}
        # A broken knowledge/escalation/ file stops the server at start.
        self.rules = load_rules()
        self.lexicons = {language: load_lexicon(language, self.rules) for language in self.rules.languages}

    def process(self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None) -> List[Message]:
        earlier = self.earlier_messages(tracker)
        for message in messages:
            self._process_one(message, earlier)
        return messages

    def earlier_messages(self, tracker: Optional[DialogueStateTracker]) -> List[Text]:
        """The family's last messages of this session, recent enough to be read with this one."""
        if tracker is None:
            return []
        oldest = time.time() - self.rules.conversation_minutes * 60
        texts: List[Text] = []
        for event in reversed(tracker.events):
            if isinstance(event, SessionStarted) or event.timestamp < oldest:
                break
            if isinstance(event, UserUttered) and event.text and not event.text.startswith("/"):
                texts.append(event.text)
                if len(texts) == self.rules.conversation_turns:
                    break
        return texts[::-1]

    def _process_one(self, message: Message, earlier: List[Text]) -> None:
        text = message.get(TEXT) or ""
        if text.startswith("/"):
            return  # a button payload names its intent
        # Every language's lexicon reads the message (rules.yml `languages`); the reasons are
        # worded in the language of the reply (set by the language component before this).
        language = message.get("language") or self.config["language"]
        if language not in self.lexicons:
            language = self.config["language"]
        result = assess_turns(text, earlier, self.rules, language)
        level, reason, keys = result.level, result.reason_text, result.reason_keys
        predicted = (message.get(INTENT) or {}).get("name")
        classifier_level = INTENT_LEVELS.get(predicted or "", "none")
        if RANK[classifier_level] > RANK[level]:
            if result.evidence:
                level = classifier_level
                if not reason:
                    reason, keys = self.lexicons[language].classifier_reasons[level], []
            elif level == "none":
                self._drop_escalation(message)
        if level == "none":
            return
        intent = {"name": LEVEL_INTENTS[level], "confidence": 1.0}
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        entities = [e for e in message.get(ENTITIES, []) if e.get("extractor") != EXTRACTOR]
        entities.append(_entity("escalation_reason", reason, text))
        # The same reasons as keys, for a reply in another language than the message's (bot.rasa.nlg).
        entities.append(_entity("escalation_reason_keys", ",".join(keys) or NO_KEYS, text))
        entities.append(_entity("pump_failure", "yes" if result.pump_failure else "no", text))
        if result.reading_mgdl is not None:
            entities.append(_entity("escalation_reading", str(round(result.reading_mgdl)), text))
        message.set(ENTITIES, entities, add_to_output=True)

    def _drop_escalation(self, message: Message) -> None:
        """An escalate_* intent without medical evidence: the best other intent, or the fallback."""
        ranking = [
            r
            for r in message.get(INTENT_RANKING_KEY) or []
            if r.get("name") not in INTENT_LEVELS and r.get("name") != FALLBACK_INTENT
        ]
        best = ranking[0] if ranking else None
        if best is None or best.get("confidence", 0.0) < self.config["fallback_threshold"]:
            best = {"name": FALLBACK_INTENT, "confidence": self.config["fallback_threshold"]}
        message.set(INTENT, {"name": best["name"], "confidence": best.get("confidence", 0.0)}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [best] + [r for r in ranking if r is not best], add_to_output=True)


def _entity(name: str, value: str, text: str) -> Dict[Text, Any]:
    # The whole message is the evidence; start/end keep Rasa's entity format valid.
    return {
        "entity": name,
        "value": value,
        "start": 0,
        "end": len(text),
        "confidence_entity": 1.0,
        "extractor": EXTRACTOR,
    }
