"""How the Rasa server calls the action server: politely when it is down, and fast.

Two changes to Rasa 3.6's RemoteAction (rasa is pinned to 3.6.21), installed
by bot.nlg when the Rasa server builds its NLG:

- Rasa logs a failed custom action and then says nothing, so a family would be
  left without a reply. Any failure to reach or use the action server becomes
  the `answer_unavailable` reply from knowledge/replies.yml, with the clinic
  contact. A rejection raised on purpose by an action still propagates.
- Rasa checks every action server response with jsonschema.validate(), which
  re-checks the schema itself and rebuilds a validator each time: about 38 ms
  of CPU per answer here, most of a message's cost. The same schema is checked
  with one validator built once (about 0.03 ms).
"""
import logging
from typing import Any, List

import jsonschema
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered, Event

from bot.knowledge import get_knowledge

logger = logging.getLogger(__name__)
_original_run = RemoteAction.run
_original_validate = RemoteAction._validate_action_result
_response_validator = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())(
    RemoteAction.action_response_format_spec()
)


async def _run_or_apologise(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
    try:
        return await _original_run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except Exception as exc:  # connection refused, timeout, 5xx, bad response
        logger.error("Custom action %s failed (%s); sending the answer-unavailable reply.", self.name(), exc)
        knowledge = get_knowledge()
        return [BotUttered(knowledge.fill(knowledge.replies["answer_unavailable"]),
                           metadata={"action_unavailable": self.name()})]


def _validate_with_compiled_schema(self: RemoteAction, result: Any) -> bool:
    try:
        _response_validator.validate(result)
    except jsonschema.ValidationError:
        return _original_validate(self, result)  # Rasa's own error message
    return True


def install() -> None:
    """Idempotent: patch RemoteAction once per process."""
    RemoteAction.run = _run_or_apologise
    RemoteAction._validate_action_result = _validate_with_compiled_schema
