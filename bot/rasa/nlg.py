"""Rasa's response generator, with the clinic contacts filled in at run time.

Configured in endpoints.yml as `nlg: type: bot.rasa.nlg.ContactFillingNLG`. Responses in
the domain keep {clinic_phone}-style placeholders; the values come from
knowledge/contacts.yml overridden by the environment when the server starts.

The domain holds the English texts. In a conversation in another language (the
`language` slot, set by bot.rasa.language_component) a response that is a
knowledge reply is sent from that language's knowledge/<language>/replies.yml.
"""

import logging
from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.core.escalation.lexicon import load_lexicon
from bot.core.knowledge import get_knowledge
from bot.core.knowledge.repository import PUMP_FAILURE_VARIANT

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
        language = tracker.get_slot("language") or self.knowledge.languages[0]
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
