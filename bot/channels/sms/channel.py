"""The SMS channel: a Twilio-compatible connector with signed webhooks.

Registered in credentials.yml as `bot.channels.sms.SmsInput:` (no settings);
the provider posts to /webhooks/sms/webhook. Everything comes from the
environment:

  SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM_NUMBER  provider account and our number
  SMS_WEBHOOK_URL   the public URL the provider posts to (signatures cover it)
  SMS_API_BASE_URL  Messages API base, default https://api.twilio.com
  SMS_HASH_SALT     key for hashing phone numbers (see security.py)

With none of the first four set the channel is off (its webhook answers 503),
so a web-only deployment needs no SMS settings; with only some set the server
refuses to start.

Rasa only ever sees "sms-<hash>" as the sender: the number itself lives in
this request's SmsOutput just long enough to send the replies. Keywords
(STOP, START, HELP ...) are answered here, from knowledge/sms.yml, and do not
reach Rasa.
"""

import asyncio
import logging
import os
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.input_checks import capped, too_long_reply
from bot.channels.sms.format import Keyword, numbered_options, parse_choice, parse_keyword, split_sms
from bot.channels.sms.security import hash_key, hash_number, parse_form, sender_id, signature_is_valid
from bot.channels.sms.sender import MessagesApi
from bot.channels.sms.store import SmsStore
from bot.channels.sms.texts import SmsTexts, load_sms_texts
from bot.core.knowledge import get_knowledge

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.twilio.com"
REQUIRED_ENV = ("SMS_ACCOUNT_SID", "SMS_AUTH_TOKEN", "SMS_FROM_NUMBER", "SMS_WEBHOOK_URL")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
SIGNATURE_HEADER = "X-Twilio-Signature"
SEND_ATTEMPTS = 3
SEND_TIMEOUT_SECONDS = 10.0
RETRY_BACKOFF_SECONDS = 1.0
WORKER_THREADS = 4


class SmsConfigError(ValueError):
    """The SMS_* environment variables are incomplete or conflicting."""


@dataclass(frozen=True)
class SmsConfig:
    account_sid: str
    auth_token: str
    from_number: str
    webhook_url: str
    api_base_url: str = DEFAULT_API_BASE_URL
    hash_salt: Optional[str] = None

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> Optional["SmsConfig"]:
        """The configuration, or None when no SMS variable is set (channel off)."""
        env = os.environ if environ is None else environ
        values = {name: (env.get(name) or "").strip() for name in REQUIRED_ENV}
        if not any(values.values()):
            return None
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise SmsConfigError(f"SMS channel: set {', '.join(missing)} (or none of {', '.join(REQUIRED_ENV)})")
        return cls(
            account_sid=values["SMS_ACCOUNT_SID"],
            auth_token=values["SMS_AUTH_TOKEN"],
            from_number=values["SMS_FROM_NUMBER"],
            webhook_url=values["SMS_WEBHOOK_URL"],
            api_base_url=(env.get("SMS_API_BASE_URL") or "").strip() or DEFAULT_API_BASE_URL,
            hash_salt=(env.get("SMS_HASH_SALT") or "").strip() or None,
        )


class SmsInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "sms"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if credentials:
            # Secrets belong in the environment, not in a file in the repository.
            raise SmsConfigError(
                "the SMS channel takes no settings in credentials.yml; set the SMS_* environment variables"
            )
        return cls(SmsConfig.from_env())

    def __init__(
        self,
        config: Optional[SmsConfig],
        texts: Optional[SmsTexts] = None,
        store: Optional[SmsStore] = None,
        executor: Optional[Executor] = None,
        sender: Optional[MessagesApi] = None,
    ) -> None:
        # Loaded now so a broken knowledge file stops the server at start.
        self.texts = texts or load_sms_texts(get_knowledge().contacts)
        self.config = config
        self._tasks: Set[asyncio.Task] = set()
        if config is None:
            logger.warning("SMS channel off: %s not set; /webhooks/sms/webhook answers 503", ", ".join(REQUIRED_ENV))
            return
        if not config.hash_salt:
            logger.warning(
                "SMS_HASH_SALT is not set: phone numbers are hashed with a key derived from "
                "SMS_AUTH_TOKEN, and rotating the token forgets every opt-out"
            )
        self.executor = executor or ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="sms")
        self.store = store or SmsStore()
        self.sender = sender or MessagesApi(
            config.api_base_url,
            config.account_sid,
            config.auth_token,
            config.from_number,
            executor=self.executor,
            attempts=SEND_ATTEMPTS,
            timeout=SEND_TIMEOUT_SECONDS,
            backoff=RETRY_BACKOFF_SECONDS,
        )
        self.hash_key = hash_key(config.hash_salt, config.auth_token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sms_webhook = Blueprint("sms_webhook", __name__)

        @sms_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.config else "off"})

        @sms_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            status, body = await self.receive(request.body, request.headers.get(SIGNATURE_HEADER), on_new_message)
            if status == 200:
                return response.text(body, content_type="text/xml")
            return response.text(body, status=status)

        return sms_webhook

    async def receive(
        self, body: bytes, signature: Optional[str], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Tuple[int, str]:
        """Check and accept one webhook call; the message is handled in the background.

        Answering at once keeps us inside the provider's webhook timeout (15 s
        at Twilio) however long Rasa and the send retries take.
        """
        if self.config is None:
            return 503, "SMS channel not configured"
        form = parse_form(body)
        if not signature_is_valid(self.config.auth_token, self.config.webhook_url, form, signature):
            logger.warning("SMS webhook call rejected: %s signature", "wrong" if signature else "missing")
            return 403, "invalid signature"
        phone, message_sid = _first(form, "From"), _first(form, "MessageSid")
        if not phone or not message_sid:
            return 400, "From and MessageSid are required"
        if not await self._run(self.store.claim_message, message_sid):
            logger.info("SMS %s was redelivered; already handled", message_sid)
            return 200, EMPTY_TWIML
        task = asyncio.create_task(self._handle(phone, _first(form, "Body") or "", on_new_message))
        self._tasks.add(task)  # a reference, so the task is not garbage-collected mid-way
        task.add_done_callback(self._tasks.discard)
        return 200, EMPTY_TWIML

    async def idle(self) -> None:
        """Wait until every accepted message is handled (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _handle(self, phone: str, body: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        number_hash = hash_number(phone, self.hash_key)
        label = sender_id(number_hash)
        try:
            await self._process(phone, number_hash, label, body, on_new_message)
        except Exception:
            logger.exception("SMS from %s could not be handled", label)

    async def _process(
        self,
        phone: str,
        number_hash: str,
        label: str,
        body: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        keyword = parse_keyword(body)
        opted_out = await self._run(self.store.is_opted_out, number_hash)
        if keyword is Keyword.OPT_OUT:
            if await self._run(self.store.set_opted_out, number_hash, True):
                logger.info("SMS %s opted out", label)
                await self.sender.send(phone, self.texts.stop_confirmation, label)
            return
        if keyword is Keyword.OPT_IN and opted_out:
            if await self._run(self.store.set_opted_out, number_hash, False):
                logger.info("SMS %s opted back in", label)
                await self.sender.send(phone, self.texts.start_confirmation, label)
            return
        if keyword is Keyword.HELP and not opted_out:
            await self.sender.send(phone, self.texts.help, label)
            return
        if not body.strip():
            # Rasa answers an empty text with nothing; a photo of a meter deserves a reply.
            if not opted_out:
                await self.sender.send(phone, self.texts.no_text, label)
            return
        options = await self._run(self.store.take_options, number_hash)
        text = parse_choice(body, options) or body
        if opted_out:
            # Still handled, so the tracker and the escalation audit see it;
            # SmsOutput sends nothing to an opted-out number.
            logger.info("SMS from opted-out %s: recorded, no reply will be sent", label)
        output = SmsOutput(self, phone, number_hash)
        text, cut = capped(text)
        await on_new_message(UserMessage(text, output, label, input_channel=self.name()))
        if cut:
            await output.send_text_message(label, too_long_reply())

    async def _run(self, func: Callable, *args: Any) -> Any:
        """A blocking database call, in the worker threads instead of on the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(func, *args))


class SmsOutput(OutputChannel):
    """Replies for one inbound SMS; holds the number only for sending."""

    @classmethod
    def name(cls) -> Text:
        return "sms"

    def __init__(self, channel: SmsInput, phone: str, number_hash: str) -> None:
        self.channel = channel
        self.phone = phone
        self.number_hash = number_hash

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._deliver(kwargs.get("sms_text") or text, [])

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._deliver(kwargs.get("sms_text") or text, buttons)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        logger.debug("SMS skips custom payloads")  # JSON is no use on a phone screen

    async def _deliver(self, text: Optional[str], buttons: List[Dict[Text, Any]]) -> None:
        channel, label = self.channel, sender_id(self.number_hash)
        # Checked for every reply, so a STOP that lands mid-answer stops the rest.
        if await channel._run(channel.store.is_opted_out, self.number_hash):
            logger.info("SMS reply to %s withheld: the number opted out", label)
            return
        tail, payloads = numbered_options(buttons or [], channel.texts)
        parts = split_sms(text or "", tail)
        if payloads and parts and parts[-1].endswith(tail):  # the menu may not have fitted
            await channel._run(channel.store.offer_options, self.number_hash, payloads)
        for part in parts:
            await channel.sender.send(self.phone, part, label)


def _first(form: Dict[str, List[str]], name: str) -> Optional[str]:
    values = form.get(name) or []
    return values[0] if values else None
