"""Rasa's REST channel, answering 400 instead of 500 to malformed requests.

Rasa 3.6's RestInput reads `request.json.get(...)`: an empty body or JSON that
is not an object (null, a list, a number) makes that an AttributeError and a
500; a `message` that is not a string fails later, and in stream mode
(`?stream=true`) the request then never ends. This subclass checks the body
first and answers 400 with the reason. Empty messages and lone surrogates are
handled, and long messages cut, as bot/channels/input_checks.py explains.

The webhook itself is this module's, not Rasa's: Rasa answers 200 and logs the
message text when handling fails. Here a conversation store that is down gets
503 with Retry-After and the escalation the message calls for
(bot/channels/unavailable.py), any other failure 500, and no log line holds
the text. GET /webhooks/rest/ready answers 200 once the model is loaded (the
readiness check of `make run`, with Rasa's HTTP API off).

Registered in credentials.yml as `bot.channels.rest.CheckedRestInput:` in
place of `rest:`; the name stays "rest", so the webhook stays at
/webhooks/rest/webhook and trackers record the channel as "rest".
"""

import logging
import traceback
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Union

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels.escalation_first import escalation_first
from bot.channels.input_checks import capped, clean_text, sender_problem, too_long_reply
from bot.channels.unavailable import RETRY_AFTER_SECONDS, replies_when_store_down, store_down

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
        running: Dict[str, Any] = {}
        on_new_message = escalation_first(on_new_message, lambda: running.get("app"))

        async def checked(message: UserMessage) -> None:
            if not message.text:  # UserMessage strips the text
                logger.debug("REST message from %s is empty: not passed to Rasa", message.sender_id)
                return
            message.text, cut = capped(message.text)
            await on_new_message(message)
            if cut:
                await message.output_channel.send_text_message(message.sender_id, too_long_reply(message.text))

        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.listener("before_server_start")
        async def keep_app(app: Any, _loop: Any) -> None:
            running["app"] = app

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            """200 once the model is loaded: readiness without Rasa's HTTP API (off by default)."""
            agent = getattr(request.app.ctx, "agent", None)
            loaded = bool(agent and agent.is_ready())
            return response.json({"model_loaded": loaded}, status=200 if loaded else 503)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            input_channel = self._extract_input_channel(request)
            metadata = self.get_metadata(request)
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(checked, text, sender_id, input_channel, metadata),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await checked(UserMessage(text, collector, sender_id, input_channel=input_channel, metadata=metadata))
            except CancelledError:
                logger.error("REST message from %s: the answer took too long", sender_id)
            except Exception as exc:  # never the text in the log: it may be health information
                down = store_down(exc)
                if down is not None:
                    logger.error("REST message from %s not handled: %s", sender_id, down)
                    replies = [{"recipient_id": sender_id, "text": t} for t in replies_when_store_down(text or "")]
                    return response.json(
                        collector.messages + replies, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
                    )
                logger.error("REST message from %s failed: %s at %s", sender_id, exc.__class__.__name__, _where(exc))
                return response.json({"error": "the assistant could not answer"}, status=500)
            return response.json(collector.messages)

        return webhook


def _where(exc: BaseException) -> str:
    """File and line where an exception was raised (its message may hold the text)."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
