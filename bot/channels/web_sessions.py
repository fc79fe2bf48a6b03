"""Web chat sessions issued by the server, so a client cannot choose whose conversation it joins.

Rasa's socket.io channel takes any session id a client sends: whoever knows
or guesses an id would receive that family's replies and could write into the
conversation (an `sms-...` one too). Here the server issues every session:

- the conversation id is random (never the client's choice);
- the client gets a credential "<conversation id>.<signature>", the signature
  an HMAC of the id under WEB_SESSION_SECRET: knowing a conversation id (it is
  in the tracker store and the staff's views) does not give the credential;
- `session_request` with a valid credential resumes that conversation (a page
  reload); anything else starts a new one; either way the connection first
  leaves every room it was in ("Clear chat" leaves the old conversation);
- a message is taken only for the conversation this connection was issued.

WEB_SESSION_SECRET should be a long random value shared by the replicas; without
it a secret is created once in var/web_session_secret (one machine, `make run`).
"""

import hashlib
import hmac
import os
import secrets
import uuid
from pathlib import Path
from typing import Dict, Optional, Text

from bot import PROJECT_ROOT

SECRET_ENV = "WEB_SESSION_SECRET"
SECRET_FILE = PROJECT_ROOT / "var" / "web_session_secret"
SIGNATURE_CHARS = 32
MIN_SECRET_CHARS = 32


def session_secret(environ: Optional[Dict[str, str]] = None, path: Path = SECRET_FILE) -> bytes:
    env = os.environ if environ is None else environ
    configured = (env.get(SECRET_ENV) or "").strip()
    if configured:
        if len(configured) < MIN_SECRET_CHARS:
            raise ValueError(f"{SECRET_ENV} is too short: use {MIN_SECRET_CHARS}+ random characters")
        return configured.encode("utf-8")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


class WebSessions:
    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.issued: Dict[Text, Text] = {}  # socket.io connection id -> conversation id

    def credential(self, conversation_id: Text) -> Text:
        mac = hmac.new(self.secret, conversation_id.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"{conversation_id}.{mac[:SIGNATURE_CHARS]}"

    def conversation(self, credential: object) -> Optional[Text]:
        """The conversation a credential opens, or None if it is not one we issued."""
        if not isinstance(credential, str) or "." not in credential:
            return None
        conversation_id = credential.rsplit(".", 1)[0]
        return conversation_id if hmac.compare_digest(self.credential(conversation_id), credential) else None

    def open(self, connection: Text, credential: object) -> Text:
        """The conversation this connection now holds (the one asked for, or a new one)."""
        conversation_id = self.conversation(credential) or uuid.uuid4().hex
        self.issued[connection] = conversation_id
        return conversation_id

    def holds(self, connection: Text, credential: object) -> Optional[Text]:
        """The conversation id when this connection was issued it, else None."""
        conversation_id = self.conversation(credential)
        return conversation_id if conversation_id and self.issued.get(connection) == conversation_id else None

    def close(self, connection: Text) -> None:
        self.issued.pop(connection, None)
