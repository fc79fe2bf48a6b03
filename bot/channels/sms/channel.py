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

Nothing is lost between the webhook and the reply: the webhook commits the
message to the inbox in the app database (queue.py) before it answers 200, and
answers 503 if it cannot; the workers (worker.py) answer it through Rasa and
send the replies through the outbox. Keywords (STOP, START, HELP) and texts
without words are answered in the webhook's own transaction, from
knowledge/sms.yml, and never reach Rasa: a STOP is recorded with its message or
not at all.

Rasa only ever sees "sms-<hash>" as the sender; the number is kept sealed in
the queue rows until they are finished.
"""

import asyncio
import logging
import os
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.channels.input_checks import capped, too_long_reply
from bot.channels.sms import store
from bot.channels.sms.format import (
    ESCALATION_MAX_PARTS,
    MAX_PARTS,
    Keyword,
    numbered_options,
    parse_choice,
    parse_keyword,
    split_sms,
)
from bot.channels.sms.queue import Inbound, Reply, SmsQueue
from bot.channels.sms.security import Sealer, hash_key, hash_number, parse_form, sender_id, signature_is_valid
from bot.channels.sms.sender import MessagesApi
from bot.channels.sms.texts import SmsTexts, load_sms_texts, load_sms_texts_by_language
from bot.channels.sms.worker import SEND_CONCURRENCY, SmsWorkers
from bot.channels.unavailable import escalation_reply
from bot.core.escalation.levels import RESPONSE_LEVELS
from bot.core.knowledge import get_knowledge

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.twilio.com"
REQUIRED_ENV = ("SMS_ACCOUNT_SID", "SMS_AUTH_TOKEN", "SMS_FROM_NUMBER", "SMS_WEBHOOK_URL")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
SIGNATURE_HEADER = "X-Twilio-Signature"
SEND_TIMEOUT_SECONDS = 10.0
DATABASE_THREADS = 4


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
        database_url: Optional[str] = None,
        sender: Optional[MessagesApi] = None,
        worker_options: Optional[Dict[str, float]] = None,
    ) -> None:
        # Loaded now so a broken knowledge file stops the server at start.
        self.texts = texts or load_sms_texts(get_knowledge().contacts)
        # A keyword is answered in its own language (PARAR in Spanish), an answer's menu in the answer's.
        self.texts_by_language = {**load_sms_texts_by_language(get_knowledge()), "en": self.texts}
        self.config = config
        self._on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self._starting: Optional[asyncio.Task] = None
        if config is None:
            logger.warning("SMS channel off: %s not set; /webhooks/sms/webhook answers 503", ", ".join(REQUIRED_ENV))
            return
        if not config.hash_salt:
            logger.warning(
                "SMS_HASH_SALT is not set: phone numbers are hashed with a key derived from "
                "SMS_AUTH_TOKEN, and rotating the token forgets every opt-out"
            )
        self.hash_key = hash_key(config.hash_salt, config.auth_token)
        self.executor: Executor = ThreadPoolExecutor(DATABASE_THREADS, thread_name_prefix="sms-db")
        self.queue = SmsQueue(Sealer(self.hash_key), database_url)  # raises at start if unreachable
        self.sender = sender or MessagesApi(
            config.api_base_url,
            config.account_sid,
            config.auth_token,
            config.from_number,
            timeout=SEND_TIMEOUT_SECONDS,
        )
        self.workers = SmsWorkers(
            self.queue,
            self._answer,
            self._escalation_replies,
            self.sender.post_once,
            self.executor,
            ThreadPoolExecutor(SEND_CONCURRENCY, thread_name_prefix="sms-send"),
            **(worker_options or {}),
        )

    # ---- server life cycle --------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sms_webhook = Blueprint("sms_webhook", __name__)

        @sms_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.config else "off"})

        @sms_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            status, body = await self.receive(request.body, request.headers.get(SIGNATURE_HEADER))
            if status == 200:
                return response.text(body, content_type="text/xml")
            headers = {"Retry-After": "10"} if status == 503 and self.config else None
            return response.text(body, status=status, headers=headers)

        @sms_webhook.listener("after_server_start")
        async def start_workers(app: Any, _loop: Any) -> None:
            if self.config is not None:
                # In the background: the workers wait for the model, the server does not wait for them.
                self._starting = asyncio.create_task(self.start(on_new_message, partial(_agent_ready, app)))

        @sms_webhook.listener("before_server_stop")
        async def stop_workers(_app: Any, _loop: Any) -> None:
            if self.config is not None:
                await self.stop()

        return sms_webhook

    async def start(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], ready: Callable[[], bool] = lambda: True
    ) -> None:
        self._on_new_message = on_new_message
        while not ready():
            await asyncio.sleep(0.2)
        self.workers.start()

    async def stop(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
        await self.workers.stop()

    async def idle(self, timeout: float = 60.0) -> None:
        """Until every accepted message is answered and every reply sent or given up (tests)."""
        await self.workers.idle(timeout)

    # ---- the webhook --------------------------------------------------------------------

    async def receive(self, body: bytes, signature: Optional[str]) -> Tuple[int, str]:
        """Check one webhook call and commit its message; 200 only once it is in the inbox.

        Answering at once keeps us inside the provider's webhook timeout (15 s
        at Twilio) however long Rasa and the sending take.
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
        text = _first(form, "Body") or ""
        number_hash = hash_number(phone, self.hash_key)
        try:
            accepted = await self._db(
                self.queue.accept, message_sid, number_hash, phone, text, partial(self._answer_now, number_hash, text)
            )
        except Exception as exc:
            logger.error(
                "SMS from %s NOT accepted (app database: %s): answered 503", sender_id(number_hash), type(exc).__name__
            )
            await self._escalate_without_database(phone, text, number_hash)
            return 503, "temporarily unavailable"
        if accepted:
            self.workers.wake()
        else:
            logger.info("SMS %s was redelivered; already accepted", message_sid[:64])
        return 200, EMPTY_TWIML

    def _answer_now(self, number_hash: str, text: str, session: Session) -> Optional[List[Reply]]:
        """In the accepting transaction: a keyword's effect and answer, or None for Rasa."""
        found = parse_keyword(text)
        keyword, language = found if found else (None, "en")
        texts = self.texts_by_language.get(language, self.texts)
        opted_out = store.is_opted_out(session, number_hash)
        if keyword is Keyword.OPT_OUT:
            changed = store.set_opted_out(session, number_hash, True)
            return [Reply(texts.stop_confirmation, kind="keyword")] if changed else []
        if keyword is Keyword.OPT_IN and opted_out:
            store.set_opted_out(session, number_hash, False)
            return [Reply(texts.start_confirmation, kind="keyword")]
        if keyword is Keyword.HELP:
            # Carriers require an answer to HELP, opted out or not.
            return [Reply(texts.help, kind="keyword")]
        if not text.strip():
            # Rasa answers an empty text with nothing; a photo of a meter deserves a reply.
            return [Reply(self.texts.no_text)]
        return None

    async def _escalate_without_database(self, phone: str, text: str, number_hash: str) -> None:
        """The app database is down, so the message is not kept; an emergency is still
        answered at once, directly (an opt-out cannot be checked: safety first)."""
        for reply in self._escalation_replies(text):
            attempt = await asyncio.get_running_loop().run_in_executor(
                self.workers.send_executor, self.sender.post_once, phone, reply.body
            )
            logger.warning(
                "SMS %s escalation reply to %s sent without the database: %s",
                reply.level,
                sender_id(number_hash),
                "delivered" if attempt.delivered else f"NOT delivered ({attempt.detail})",
            )

    # ---- the inbox worker's answer ----------------------------------------------------

    async def _answer(self, inbound: Inbound) -> Tuple[List[Reply], Optional[List[str]]]:
        assert self._on_new_message is not None, "start() first"
        label = sender_id(inbound.number_hash)
        options = await self._db(self._offered, inbound.number_hash)
        text = parse_choice(inbound.body, options) or inbound.body
        text, cut = capped(text)
        output = SmsOutput(self.texts, self.texts_by_language)
        await self._on_new_message(UserMessage(text, output, label, input_channel=self.name()))
        if cut:
            await output.send_text_message(label, too_long_reply(text))
        return output.replies, output.options

    def _offered(self, number_hash: str) -> List[str]:
        with self.queue.sessions() as session:
            return store.offered_options(session, number_hash)

    def _escalation_replies(self, text: str) -> List[Reply]:
        found = escalation_reply(text)
        if found is None:
            return []
        level, reply = found
        return [Reply(part, level=level) for part in split_sms(reply, "", max_parts=ESCALATION_MAX_PARTS)]

    async def _db(self, func: Callable, *args: Any) -> Any:
        """A blocking database call, in the worker threads instead of on the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(func, *args))


class SmsOutput(OutputChannel):
    """Collects the replies to one inbound SMS, in SMS form, for the outbox."""

    @classmethod
    def name(cls) -> Text:
        return "sms"

    def __init__(self, texts: SmsTexts, by_language: Optional[Dict[str, SmsTexts]] = None) -> None:
        self.texts = texts
        self.by_language = by_language or {}
        self.replies: List[Reply] = []
        self.options: Optional[List[str]] = None  # the payloads the last reply offers as 1, 2, 3

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        self._collect(kwargs.get("sms_text") or text, [], kwargs.get("utter_action"))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        self._collect(kwargs.get("sms_text") or text, buttons, kwargs.get("utter_action"), kwargs.get("language"))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        logger.debug("SMS skips custom payloads")  # JSON is no use on a phone screen

    def _collect(
        self,
        text: Optional[str],
        buttons: List[Dict[Text, Any]],
        response: Optional[str],
        language: Optional[str] = None,
    ) -> None:
        # The answer action says which language its answer is in; the menu follows it.
        tail, payloads = numbered_options(buttons or [], self.by_language.get(language or "", self.texts))
        level = RESPONSE_LEVELS.get(response or "")
        parts = split_sms(text or "", tail, max_parts=MAX_PARTS if level is None else ESCALATION_MAX_PARTS)
        # Only the latest reply's menu counts, and only if it fitted.
        self.options = payloads if payloads and parts and parts[-1].endswith(tail) else None
        self.replies.extend(Reply(part, level=level) for part in parts)


def _agent_ready(app: Any) -> bool:
    agent = getattr(app.ctx, "agent", None)
    return bool(agent is not None and agent.is_ready())


def _first(form: Dict[str, List[str]], name: str) -> Optional[str]:
    values = form.get(name) or []
    return values[0] if values else None
