"""Checks on what web clients send, for the REST and socket.io channels.

Found by the bad-input corpus (tests/badinput/); each check keeps one kind of
malformed input away from code that fails on it:

  * A lone UTF-16 surrogate ("\\ud800") is valid JSON but not Unicode text:
    spaCy fails on it. A web page that cuts a message in the middle of an
    emoji sends one. It becomes U+FFFD and the message is answered.
  * An empty message (nothing but whitespace) makes the NLU pipeline's
    LogisticRegressionClassifier fail ("Found array with 0 feature(s)"), so
    it is not passed to Rasa; Rasa would have answered nothing anyway.
  * A sender id that is not a string, longer than the tracker store's
    sender_id column (255) or not valid Unicode is refused.
  * socket.io events whose data is not an object, or has a message, session
    id or metadata of the wrong type, are ignored with a warning, instead of
    failing inside Rasa's handlers with a traceback in the log.
  * engine.io 4.7/4.8 answers a polling POST without `sid` with a 500 (it
    concatenates None into its error message): that gets its 400 here.
  * A message longer than MAX_MESSAGE_CHARS is cut to that length before
    Rasa sees it, so no message holds the server for long: the kept part is
    answered (escalation included) and the `message_too_long` reply of
    knowledge/replies.yml follows.

Message text never goes to the log.
"""

import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from sanic import response

from bot.channels.unavailable import replies_when_store_down, store_down
from bot.channels.web_sessions import WebSessions

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 255  # Rasa's SQLTrackerStore: events.sender_id is VARCHAR(255)
# Far above any family's question (an SMS is at most 1,600), far below what
# would hold a server: every channel reads this much of a message.
MAX_MESSAGE_CHARS = 2000
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: Text) -> Text:
    """The text with lone surrogates replaced by U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)


def capped(text: Text) -> Tuple[Text, bool]:
    """The part of a message that is read, and whether anything was cut off."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text, False
    logger.info("A message of %d characters was cut to %d", len(text), MAX_MESSAGE_CHARS)
    return text[:MAX_MESSAGE_CHARS], True


def too_long_reply(text: Text = "") -> Text:
    """What a family is told after the answer to a message that was cut, in the message's language."""
    from bot.core.knowledge import get_knowledge
    from bot.core.language import reply_language

    knowledge = get_knowledge()
    language = reply_language(text)
    return knowledge.fill(knowledge.reply("message_too_long", language), language)


def sender_problem(sender: Any) -> Optional[Text]:
    """Why a sender / session id cannot be used, or None when it can."""
    if not isinstance(sender, str):
        return "is not a string"
    if len(sender) > MAX_SENDER_CHARS:
        return f"is longer than {MAX_SENDER_CHARS} characters"
    if _SURROGATES.search(sender):
        return "is not valid Unicode"
    return None


def _as_id(value: Any) -> Any:
    """Numbers are fine as ids (Rasa turns them into strings)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def checked_socketio_message(data: Any, session_persistence: bool, metadata_key: Text) -> Optional[Dict]:
    """The user message event's data, cleaned, or None to ignore it."""
    if not isinstance(data, dict):
        logger.warning("socket.io message ignored: its data is not an object")
        return None
    text = data.get("message")
    if text is not None and not isinstance(text, str):
        logger.warning("socket.io message ignored: 'message' is not a string")
        return None
    text = clean_text(text or "")
    if not text.strip():
        logger.debug("socket.io message ignored: empty")
        return None
    checked = {**data, "message": text}
    if session_persistence and data.get("session_id"):  # no id: Rasa's handler warns and ignores it
        session_id = _as_id(data["session_id"])
        problem = sender_problem(session_id)
        if problem:
            logger.warning("socket.io message ignored: 'session_id' %s", problem)
            return None
        checked["session_id"] = session_id
    metadata = data.get(metadata_key)
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = "not JSON"
    if metadata is not None and not isinstance(metadata, dict):
        logger.warning("socket.io message ignored: '%s' is not an object", metadata_key)
        return None
    if metadata_key in data:
        checked[metadata_key] = metadata
    return checked


def checked_session_id(data: Any) -> Optional[Text]:
    """The session id a session_request asks for; None (a new session) when unusable."""
    session_id = _as_id(data.get("session_id")) if isinstance(data, dict) else None
    if session_id is not None and sender_problem(session_id):
        logger.warning("socket.io session_request: 'session_id' %s; starting a new session", sender_problem(session_id))
        return None
    return session_id


def guard_socketio_handlers(
    sio: Any,
    namespace: Optional[Text],
    user_message_evt: Text,
    bot_message_evt: Text,
    session_persistence: bool,
    metadata_key: Text,
    sessions: Optional[WebSessions] = None,
) -> None:
    """Put checks in front of the handlers Rasa's SocketIOInput.blueprint registered.

    With session persistence, sessions are the server's (bot/channels/web_sessions.py):
    session_request is answered here, and a message is passed on only for the
    conversation its connection was issued, under that conversation's id."""
    handlers = sio.handlers[namespace or "/"]
    handle_message, session_request = handlers[user_message_evt], handlers["session_request"]
    disconnect = handlers.get("disconnect")

    async def checked_message(sid: Text, data: Any = None, *_more: Any) -> None:
        checked = checked_socketio_message(data, session_persistence, metadata_key)
        if checked is None:
            return
        if session_persistence and sessions is not None:
            conversation_id = sessions.holds(sid, checked.get("session_id"))
            if conversation_id is None:
                logger.warning("socket.io message ignored: its session was not issued to this connection")
                return
            checked["session_id"] = conversation_id
        checked["message"], cut = capped(checked["message"])
        # Rasa's handler answers in the room of the conversation id.
        room = checked.get("session_id") if session_persistence else sid
        try:
            await handle_message(sid, checked)
        except Exception as exc:  # never the text in the log: it may be health information
            down = store_down(exc)
            if down is None:
                logger.error("socket.io message in %s failed: %s", room, exc.__class__.__name__)
                return
            logger.error("socket.io message in %s not handled: %s", room, down)
            for text in replies_when_store_down(checked["message"]):
                await sio.emit(bot_message_evt, {"text": text}, room=room, namespace=namespace)
            return
        if cut:
            await sio.emit(
                bot_message_evt, {"text": too_long_reply(checked["message"])}, room=room, namespace=namespace
            )

    async def checked_session_request(sid: Text, data: Any = None, *_more: Any) -> None:
        if not session_persistence or sessions is None:
            await session_request(sid, {"session_id": checked_session_id(data)})
            return
        asked = data.get("session_id") if isinstance(data, dict) else None
        conversation_id = sessions.open(sid, asked)
        for room in sio.rooms(sid, namespace=namespace):
            if room != sid:  # a connection joins one conversation at a time
                sio.leave_room(sid, room, namespace=namespace)
        sio.enter_room(sid, conversation_id, namespace=namespace)
        await sio.emit("session_confirm", sessions.credential(conversation_id), room=sid, namespace=namespace)

    async def checked_disconnect(sid: Text, *args: Any) -> None:
        if sessions is not None:
            sessions.close(sid)
        if disconnect is not None:
            await disconnect(sid, *args)

    sio.on(user_message_evt, namespace=namespace)(checked_message)
    sio.on("session_request", namespace=namespace)(checked_session_request)
    sio.on("disconnect", namespace=namespace)(checked_disconnect)


def refuse_polling_post_without_sid(socket_path: Text) -> Callable[[Any], Awaitable[Any]]:
    """Sanic request middleware: 400 for a polling POST without `sid`, which engine.io answers with 500."""

    async def middleware(request: Any) -> Any:
        if request.method == "POST" and request.path.rstrip("/") == socket_path and not request.args.get("sid"):
            return response.text("Invalid session", status=400)
        return None

    return middleware
