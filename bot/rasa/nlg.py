"""Rasa's response generator, with the clinic contacts filled in at run time.

Configured in endpoints.yml as `nlg: type: bot.rasa.nlg.ContactFillingNLG`. Responses in
the domain keep {clinic_phone}-style placeholders; the values come from
knowledge/contacts.yml overridden by the environment when the server starts.
"""

from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.core.escalation.lexicon import load_lexicon
from bot.core.knowledge import get_knowledge


class ContactFillingNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None):
        super().__init__((domain or Domain.empty()).responses)
        self.contacts = dict(get_knowledge().contacts)  # fails at start, not mid-chat
        self.default_reason = load_lexicon("en").classifier_reasons["clinic"]

    async def generate(
        self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text, **kwargs: Any
    ) -> Optional[Dict[Text, Any]]:
        values = dict(self.contacts)
        if tracker.get_slot("escalation_reason") is None:
            # e.g. a typed "/escalate_clinic" skips the NLU pipeline that sets it
            values["escalation_reason"] = self.default_reason
        return await super().generate(utter_action, tracker, output_channel, **{**values, **kwargs})
