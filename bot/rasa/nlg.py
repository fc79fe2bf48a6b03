"""Rasa's response generator, with the clinic contacts filled in at run time.

Configured in endpoints.yml as `nlg: type: bot.rasa.nlg.ContactFillingNLG`. Responses in
the domain keep {clinic_phone}-style placeholders; the values come from
knowledge/contacts.yml overridden by the environment when the server starts.

The domain holds the English texts. In a conversation in another language (the
`language` slot, set by bot.rasa.language_component) a response that is a
knowledge reply is sent from that language's knowledge/<language>/replies.yml.
Before any message has told the language (an empty slot), an escalation reply
is sent in every answer language, its first lines together ("Call 911 now. /
Llame al 911 ahora."); after a message that mixes answer languages, in the
conversation's language first and then the others it has words of.
"""

import logging
from typing import Any, Dict, Optional, Sequence, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.core.escalation import reason_in
from bot.core.escalation.levels import INTENT_LEVELS
from bot.core.escalation.lexicon import load_lexicon
from bot.core.knowledge import get_knowledge
from bot.core.knowledge.repository import PUMP_FAILURE_VARIANT
from bot.core.language import get_detector, together
from bot.rasa.escalation_component import NO_KEYS

logger = logging.getLogger(__name__)


class ContactFillingNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None):
        super().__init__((domain or Domain.empty()).responses)
        self.knowledge = get_knowledge()  # fails at start, not mid-chat
        for language, translation in self.knowledge.translations.items():
            if translation.pending_review:
                logger.warning(
                    "%d %s texts in knowledge/%s/ are marked review: pending; a deployment must have the "
                    "clinic's medical interpreter review them",
                    translation.pending_review,
                    language,
                    language,
                )
        self.default_reason = {
            language: load_lexicon(language).classifier_reasons["clinic"] for language in self.knowledge.languages
        }

    async def generate(
        self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text, **kwargs: Any
    ) -> Optional[Dict[Text, Any]]:
        language = tracker.get_slot("language")
        level = INTENT_LEVELS.get(utter_action[len("utter_") :])
        if level is not None:
            if language is None:
                # No message has told the conversation's language ("45" as a first message): the
                # escalation is sent in every answer language, each with its reasons.
                languages = tuple(self.knowledge.languages)
            else:
                # A message with words of another answer language too ("my boy fainted, glucosa 33").
                text = tracker.latest_message.text if tracker.latest_message else ""
                languages = (language, *get_detector().mixed_with(text or "", language))
            if len(languages) > 1:
                return await self._in_languages(languages, utter_action, level, tracker, output_channel, kwargs)
        return await self._generate_in(utter_action, language, tracker, output_channel, **kwargs)

    async def _in_languages(
        self,
        languages: Sequence[str],
        utter_action: Text,
        level: str,
        tracker: DialogueStateTracker,
        output_channel: Text,
        kwargs: Dict,
    ) -> Optional[Dict[Text, Any]]:
        keys = tracker.get_slot("escalation_reason_keys")
        keys = [] if keys in (None, NO_KEYS) else str(keys).split(",")
        responses = []
        for language in languages:
            reason = (
                {"escalation_reason": reason_in(keys, language, level)} if tracker.get_slot("escalation_reason") else {}
            )
            response = await self._generate_in(utter_action, language, tracker, output_channel, **{**kwargs, **reason})
            if response is not None:
                responses.append(response)
        if not responses:
            return None
        return {**responses[0], "text": together([str(r.get("text") or "") for r in responses])}

    async def _generate_in(
        self,
        utter_action: Text,
        language: Optional[Text],
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        if language not in self.knowledge.languages:
            language = self.knowledge.languages[0]
        values = self.knowledge.contacts_in(language)
        if tracker.get_slot("escalation_reason") is None:
            # e.g. a typed "/escalate_clinic" skips the NLU pipeline that sets it
            values["escalation_reason"] = self.default_reason[language]
        translated = self._translated(utter_action, tracker, language)
        if translated is not None:
            return self._fill_response({"text": translated}, tracker.current_slot_values(), **{**values, **kwargs})
        return await super().generate(utter_action, tracker, output_channel, **{**values, **kwargs})

    def _translated(self, utter_action: Text, tracker: DialogueStateTracker, language: str) -> Optional[str]:
        """This response's text in the conversation's language, or None (English, or not a knowledge reply)."""
        translation = self.knowledge.translations.get(language)
        name = utter_action[len("utter_") :] if utter_action.startswith("utter_") else ""
        if translation is None or name not in translation.replies:
            return None
        if name == "escalate_clinic" and tracker.get_slot("pump_failure") == "yes":
            name = PUMP_FAILURE_VARIANT
        return translation.replies[name]
