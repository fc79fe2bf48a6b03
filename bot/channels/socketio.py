"""Rasa's socket.io channel with CORS limited to the website's origins.

Rasa 3.6's SocketIOInput creates its AsyncServer with cors_allowed_origins=[],
which turns python-engineio's origin check off: any web page could open a chat
socket. This subclass lets engineio check the Origin header against a list.

The list comes from the environment variable WEB_ALLOWED_ORIGINS (comma
separated, e.g. "https://clinic.example.org,http://localhost:8080"), else from
`cors_allowed_origins` in credentials.yml, else DEFAULT_ORIGINS. A request with
an Origin not in the list is refused with HTTP 400; clients that send no Origin
header (non-browser clients) are not affected, as in engineio itself. The
socket.io route's CORS headers come from engineio alone, also under
`rasa run --cors ...` (Sanic-CORS would add a second, invalid copy).

Register it in credentials.yml under its module path:

    bot.channels.socketio.RestrictedSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true

Replies with session_persistence on need python-socketio 5.9.x (see the pin in
pyproject.toml and Rasa issue 13027). Sessions are issued by the server and
bound to the connection (bot/channels/web_sessions.py).
"""

import os
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Union

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.channels.escalation_first import escalation_first
from bot.channels.input_checks import guard_socketio_handlers, refuse_polling_post_without_sid
from bot.channels.web_sessions import WebSessions, session_secret

ORIGINS_ENV = "WEB_ALLOWED_ORIGINS"
# The request.ctx flag by which Sanic-CORS (sanic_cors.core) skips a response.
SANIC_CORS_EVALUATED = "_sanic_cors_e"
DEFAULT_ORIGINS = ("http://localhost:8080", "http://127.0.0.1:8080")


def parse_origins(value: Union[None, Text, Iterable[Text]]) -> List[Text]:
    """A comma separated string (or a list) as a clean list of origins.

    Origins are compared exactly by engineio, so a trailing slash is dropped
    ("http://localhost:8080/" -> "http://localhost:8080"). "*" is refused: it
    would turn the check into "allow every site".
    """
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    origins = []
    for item in items:
        origin = str(item).strip().rstrip("/")
        if not origin:
            continue
        if origin == "*" or "://" not in origin:
            raise ValueError(f"{ORIGINS_ENV}: {origin!r} is not an origin like https://clinic.example.org")
        if origin not in origins:
            origins.append(origin)
    return origins


def allowed_origins(configured: Union[None, Text, Iterable[Text]] = None) -> List[Text]:
    """The origins allowed to open a chat socket: environment, then credentials, then default."""
    for source in (os.environ.get(ORIGINS_ENV), configured):
        origins = parse_origins(source)
        if origins:
            return origins
    return list(DEFAULT_ORIGINS)


class RestrictedSocketIOInput(SocketIOInput):
    """SocketIOInput whose socket.io server only accepts the configured origins."""

    @classmethod
    def name(cls) -> Text:
        # Same name as the built-in channel: trackers record "socketio" and the
        # webhook stays at /webhooks/socketio.
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        channel.cors_allowed_origins = allowed_origins(credentials.get("cors_allowed_origins"))
        return channel

    def __init__(self, *args: Any, cors_allowed_origins: Optional[Iterable[Text]] = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.cors_allowed_origins = allowed_origins(cors_allowed_origins)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        running: Dict[str, Any] = {}
        socketio_webhook = super().blueprint(escalation_first(on_new_message, lambda: running.get("app")))

        @socketio_webhook.listener("before_server_start")
        async def keep_app(app: Any, _loop: Any) -> None:
            running["app"] = app

        # The parent built its AsyncServer with cors_allowed_origins=[] (check
        # off); engineio reads the attribute per request, so set it before the
        # server is attached to the app and serves anything.
        self.sio.eio.cors_allowed_origins = list(self.cors_allowed_origins)
        # Malformed events are ignored with a warning instead of failing in Rasa's handlers.
        guard_socketio_handlers(
            self.sio,
            self.namespace,
            self.user_message_evt,
            self.bot_message_evt,
            self.session_persistence,
            self.metadata_key,
            WebSessions(session_secret()),
        )

        # `rasa run --cors ...` (as `make run` does) adds Sanic-CORS headers to
        # every route, the socket.io one too: with engineio's own headers that
        # makes "Access-Control-Allow-Origin: x, x", which browsers reject, so
        # the polling transport breaks. Mark socket.io requests as already
        # handled so Sanic-CORS leaves them to engineio.
        socket_path = "/" + (self.socketio_path or "/socket.io").strip("/")

        async def leave_cors_to_engineio(request: Any) -> None:
            if request.path.rstrip("/") == socket_path:
                setattr(request.ctx, SANIC_CORS_EVALUATED, "1")

        @socketio_webhook.listener("before_server_start")
        async def add_middleware(app: Any, _loop: Any) -> None:
            # Sanic reads the app's request middleware list per request.
            app.register_middleware(leave_cors_to_engineio, "request")
            app.register_middleware(refuse_polling_post_without_sid(socket_path), "request")

        return socketio_webhook
