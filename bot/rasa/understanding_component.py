"""bot.core.understanding as a Rasa NLU component.

After the classifiers and before the escalation detector (which still
overrides everything): the classifier's ranking, the family's previous topic
(from the tracker) and whether the escalation detector saw a calm question
about doses go in; the intent Rasa acts on comes out: a topic the message is about,
`not_covered` (entity not_covered_theme), or the classifier's own. A second
topic travels as the entity second_topic. When the classifier said escalate_*,
that stays first and this decision goes second, for the escalation detector to
fall back on if it finds no medical evidence.
"""

import time
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.core.escalation import assess
from bot.core.escalation.levels import INTENT_LEVELS
from bot.core.understanding import load_lexicon, load_rules, understand
from bot.core.understanding.decide import TOPIC_PREFIX, Understanding
from bot.rasa.untrained import UntrainedComponent

EXTRACTOR = "UnderstandingComponent"
# How many of the family's last messages may hold the topic a follow-up refers to
# ("the phases?" -> "ok" -> "and the third one").
LOOK_BACK_TURNS = 2


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class UnderstandingComponent(UntrainedComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"language": "en"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = {**self.get_default_config(), **config}
        # A broken knowledge/understanding/ file stops the server at start.
        self.rules = load_rules()
        for language in self.rules.languages:
            load_lexicon(language)

    def process(self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None) -> List[Message]:
        previous = self.previous_topic(tracker)
        for message in messages:
            self._process_one(message, previous)
        return messages

    def previous_topic(self, tracker: Optional[DialogueStateTracker]) -> Optional[Text]:
        """The topic of one of the family's last messages in this session, if recent."""
        if tracker is None:
            return None
        oldest = time.time() - self.rules.followup_minutes * 60
        seen = 0
        for event in reversed(tracker.events):
            if isinstance(event, SessionStarted) or event.timestamp < oldest:
                return None
            if isinstance(event, UserUttered):
                name = (event.intent or {}).get("name") or ""
                if name.startswith(TOPIC_PREFIX):
                    return name[len(TOPIC_PREFIX) :]
                seen += 1
                if seen == LOOK_BACK_TURNS:
                    return None
        return None

    def _process_one(self, message: Message, previous: Optional[Text]) -> None:
        text = message.get(TEXT) or ""
        if not text or text.startswith("/"):
            return  # a button payload names its intent
        language = message.get("language") or self.config["language"]
        if language not in self.rules.languages:
            return  # no words of understanding in this language: the classifier's intent stands
        if (message.get(INTENT) or {}).get("name") in ("set_language", "other_language"):
            return
        ranking: List[Dict[Text, Any]] = list(message.get(INTENT_RANKING_KEY) or [])
        if not ranking and message.get(INTENT):
            ranking = [message.get(INTENT)]
        escalating = [r for r in ranking if r.get("name") in INTENT_LEVELS]
        rest = [r for r in ranking if r.get("name") not in INTENT_LEVELS]
        found = assess(text, language=language)
        dose_question = "dose_question" in found.signals and found.level == "none"
        pairs: Tuple[Tuple[str, float], ...] = tuple((r["name"], float(r.get("confidence") or 0.0)) for r in rest)
        decided = understand(text, pairs, previous, dose_question, language)
        chosen = self._intent(decided, rest)
        top = (message.get(INTENT) or {}).get("name")
        if top in INTENT_LEVELS:
            # The escalation detector decides about escalate_*; this is its fallback.
            message.set(INTENT_RANKING_KEY, [*escalating, chosen, *self._others(rest, chosen)], add_to_output=True)
        else:
            message.set(INTENT, chosen, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [chosen, *self._others(rest, chosen)], add_to_output=True)
        entities = [e for e in message.get(ENTITIES, []) if e.get("extractor") != EXTRACTOR]
        if len(decided.topics) > 1:
            entities.append(_entity("second_topic", decided.topics[1], text))
        if decided.theme:
            entities.append(_entity("not_covered_theme", decided.theme, text))
        message.set(ENTITIES, entities, add_to_output=True)

    @staticmethod
    def _intent(decided: Understanding, ranking: List[Dict[Text, Any]]) -> Dict[Text, Any]:
        same = next((r for r in ranking if r.get("name") == decided.intent), None)
        if same is not None and decided.how == "classifier":
            return {"name": decided.intent, "confidence": same.get("confidence", 0.0)}
        return {"name": decided.intent, "confidence": 1.0}

    @staticmethod
    def _others(ranking: List[Dict[Text, Any]], chosen: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return [r for r in ranking if r.get("name") != chosen["name"]]


def _entity(name: str, value: str, text: str) -> Dict[Text, Any]:
    return {
        "entity": name,
        "value": value,
        "start": 0,
        "end": len(text),
        "confidence_entity": 1.0,
        "extractor": EXTRACTOR,
    }
