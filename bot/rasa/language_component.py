"""bot.core.language as Rasa NLU components: the language of each message.

`LanguageTokens` (right after the tokenizer) writes the words of a Spanish
message in full-width letters ("ｂｏｍｂａ", "ｐｕｍｐ"), so English and Spanish
examples share neither word nor character n-gram features: one classifier
holds both languages without the Spanish examples (Spanglish included) moving
English answers, and the reverse. (A prefix such as "es_" would still share
the n-grams inside the word.)

`LanguageComponent`:

After the classifiers, before the understanding and escalation components
(which read the message's `language`): the conversation's language comes from
the tracker's `language` slot, the message's own from the detector. The
language to answer in goes out as the entity `language` (which fills the slot,
so the conversation keeps it until the family switches) and as the message's
`language` property (parse data, read by the audit records). A message that
tells no language in a conversation none has told yet (a bare reading) leaves
the slot empty: its escalation reply is sent in every answer language. A whole-message
switch ("ESPAÑOL", "english") becomes the intent `set_language`; a message in a
language the assistant does not answer becomes `other_language` (the bilingual
reply), which the escalation detector after this still overrides.
"""

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.language import OTHER, LanguageDetector, get_detector
from bot.rasa.untrained import UntrainedComponent

EXTRACTOR = "LanguageComponent"
SLOT = ENTITY = "language"
SET_LANGUAGE = "set_language"
OTHER_LANGUAGE = "other_language"
READ = "language_read"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class LanguageTokens(UntrainedComponent):
    """Rewrites the tokens of a message in another answer language than the first into full-width letters."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.detector = get_detector()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._mark(message, None)
        return training_data

    def process(self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None) -> List[Message]:
        current = tracker.get_slot(SLOT) if tracker is not None else None
        for message in messages:
            self._mark(message, current)
        return messages

    def _mark(self, message: Message, current: Optional[Text]) -> None:
        text = message.get(TEXT)
        tokens = message.get(TOKENS_NAMES[TEXT])
        if not text or not tokens or text.startswith("/"):
            return
        settings = self.detector.settings
        _, detected = _read(message, self.detector)
        language = detected if detected in settings.answers else (current or settings.default)
        if language == settings.default:
            return
        message.set(
            TOKENS_NAMES[TEXT],
            [Token(_wide(t.text), t.start, t.end, t.data, _wide(t.lemma)) for t in tokens],
        )


def _read(message: Message, detector: LanguageDetector) -> Tuple[Optional[Text], Optional[Text]]:
    """(the language a switch asks for, the message's language or "other" or None), read once a
    message: LanguageTokens reads it, LanguageComponent after it takes the same reading."""
    found = message.get(READ)
    if found is None:
        text = message.get(TEXT) or ""
        switch = detector.switch_to(text)
        found = (switch, switch or detector.detect(text))
        message.set(READ, found)  # not an output property: parse data keeps only `language`
    return found


# Printable ASCII to its full-width form (U+FF01-U+FF5E): the same word, in an alphabet English never uses.
_WIDE = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}


def _wide(text: Text) -> Text:
    return text.translate(_WIDE)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageComponent(UntrainedComponent):
    def __init__(self, config: Dict[Text, Any]) -> None:
        self.detector = get_detector()  # a broken knowledge/language.yml stops the server at start

    def process(self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None) -> List[Message]:
        current = tracker.get_slot(SLOT) if tracker is not None else None
        for message in messages:
            self._process_one(message, current)
        return messages

    def _process_one(self, message: Message, current: Optional[Text]) -> None:
        text = message.get(TEXT) or ""
        settings = self.detector.settings
        if text.startswith("/"):
            # A button payload: its own entity (the widget's switch) or the conversation's language.
            given = next((e.get("value") for e in message.get(ENTITIES) or [] if e.get("entity") == ENTITY), None)
            language = given if given in settings.answers else (current or settings.default)
            message.set(SLOT, language, add_to_output=True)
            return
        switch, detected = _read(message, self.detector)
        language = detected if detected in settings.answers else (current or settings.default)
        if switch:
            self._set_intent(message, SET_LANGUAGE)
        elif detected == OTHER:
            self._set_intent(message, OTHER_LANGUAGE)
        message.set(SLOT, language, add_to_output=True)
        if detected is None and current not in settings.answers:
            # Nothing has told the conversation's language yet ("45", "2,8 mmol"): the slot stays
            # empty, so a reply that must be understood (an escalation) goes out in every answer
            # language (bot.rasa.nlg); the words read the default language's texts meanwhile.
            return
        entities = [e for e in message.get(ENTITIES) or [] if e.get("extractor") != EXTRACTOR]
        entities.append(
            {
                "entity": ENTITY,
                "value": language,
                "start": 0,
                "end": len(text),
                "confidence_entity": 1.0,
                "extractor": EXTRACTOR,
            }
        )
        message.set(ENTITIES, entities, add_to_output=True)

    @staticmethod
    def _set_intent(message: Message, name: Text) -> None:
        intent = {"name": name, "confidence": 1.0}
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
