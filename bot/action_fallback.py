"""A polite answer when the action server cannot be reached.

Rasa 3.6 logs a failed custom action and then says nothing, so a family would
be left without a reply. Wrapping RemoteAction.run (rasa is pinned to 3.6.21)
turns any failure to reach or use the action server into the
`answer_unavailable` reply from knowledge/replies.yml, with the clinic contact.
A rejection raised on purpose by an action (ActionExecutionRejection) still
propagates. Installed by bot.nlg when the Rasa server builds its NLG.
"""
import logging
from typing import Any, List

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered, Event

from bot.knowledge import get_knowledge

logger = logging.getLogger(__name__)
_original_run = RemoteAction.run


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


def install() -> None:
    """Idempotent: patch RemoteAction.run once per process."""
    if RemoteAction.run is not _run_or_apologise:
        RemoteAction.run = _run_or_apologise
