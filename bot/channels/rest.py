"""Rasa's REST channel, answering 400 instead of 500 to malformed requests.

Rasa 3.6's RestInput reads `request.json.get(...)`: an empty body or JSON that
is not an object (null, a list, a number) makes that an AttributeError and a
500; a `message` that is not a string fails later, and in stream mode
(`?stream=true`) the request then never ends. This subclass checks the body
first and answers 400 with the reason. Empty messages and lone surrogates are
handled, and long messages cut, as bot/channels/input_checks.py explains.

Registered in credentials.yml as `bot.channels.rest.CheckedRestInput:` in
place of `rest:`; the name stays "rest", so the webhook stays at
/webhooks/rest/webhook and trackers record the channel as "rest".
"""

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.channels.input_checks import capped, clean_text, sender_problem, too_long_reply

logger = logging.getLogger(__name__)


def _body(request: Request) -> Dict[Text, Any]:
    """The JSON object in the body; 400 for anything else (Sanic answers 400 to invalid JSON)."""
    body = request.json
    if not isinstance(body, dict):
        raise InvalidUsage('the body must be a JSON object like {"sender": "...", "message": "..."}')
    return body


def _optional_string(body: Dict[Text, Any], field: Text) -> Optional[Text]:
    value = body.get(field)
    if value is not None and not isinstance(value, str):
        raise InvalidUsage(f"'{field}' must be a string")
    return value


class CheckedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = _body(req).get("sender")
        if sender is None:
            return None  # Rasa's default conversation, as before
        if isinstance(sender, int) and not isinstance(sender, bool):
            sender = str(sender)
        problem = sender_problem(sender)
        if problem:
            raise InvalidUsage(f"'sender' {problem}")
        return sender

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = _optional_string(_body(req), "message")
        return clean_text(message) if message else message

    def _extract_input_channel(self, req: Request) -> Text:
        return _optional_string(_body(req), "input_channel") or self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = _body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage("'metadata' must be a JSON object")
        return metadata

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def checked(message: UserMessage) -> None:
            if not message.text:  # UserMessage strips the text
                logger.debug("REST message from %s is empty: not passed to Rasa", message.sender_id)
                return
            message.text, cut = capped(message.text)
            await on_new_message(message)
            if cut:
                await message.output_channel.send_text_message(message.sender_id, too_long_reply())

        return super().blueprint(checked)
