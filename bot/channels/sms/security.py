"""Webhook signatures and phone-number hashing for the SMS channel.

Signature: Twilio's X-Twilio-Signature, base64(HMAC-SHA1(auth token, URL +
each form parameter name and value, sorted by name)).

Phone numbers are kept only as HMAC-SHA256(key, number): the key is
SMS_HASH_SALT, or, when that is unset, a key derived from SMS_AUTH_TOKEN.
The derived key changes when the token is rotated, which would forget every
opt-out, so production sets SMS_HASH_SALT.

Queued messages need the number to be answered after a restart: the inbox and
outbox keep it sealed (AES-256-GCM, key derived from the same hash key), only
until the row is finished.
"""

import base64
import hashlib
import hmac
import os
from typing import Mapping, Optional, Sequence, Union
from urllib.parse import parse_qs

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.db.tables import SMS_SENDER_PREFIX as SENDER_PREFIX

FormParams = Mapping[str, Union[str, Sequence[str]]]

HASH_HEX_CHARS = 32  # 128 bits: no collisions in practice, and short in reports
_DERIVATION_LABEL = b"pump-assistant sms number hash v1"
_SEAL_LABEL = b"pump-assistant sms seal v1"
_NONCE_BYTES = 12


def parse_form(body: bytes) -> dict:
    """Form fields as lists, keeping blank values.

    Twilio signs blank fields too (e.g. FromCity=), and Sanic's request.form
    drops them, which would make genuine requests fail the check.
    """
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


def compute_signature(auth_token: str, url: str, params: FormParams) -> str:
    payload = url
    for name in sorted(params):
        values = params[name]
        for value in sorted([values] if isinstance(values, str) else values):
            payload += name + value
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_is_valid(auth_token: str, url: str, params: FormParams, signature: Optional[str]) -> bool:
    if not signature:
        return False
    expected = compute_signature(auth_token, url, params)
    return hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("utf-8", "replace"))


def hash_key(salt: Optional[str], auth_token: str) -> bytes:
    if salt:
        return salt.encode("utf-8")
    return hmac.new(auth_token.encode("utf-8"), _DERIVATION_LABEL, hashlib.sha256).digest()


def hash_number(number: str, key: bytes) -> str:
    return hmac.new(key, number.strip().encode("utf-8"), hashlib.sha256).hexdigest()[:HASH_HEX_CHARS]


def sender_id(number_hash: str) -> str:
    """The Rasa conversation id for a number: the tracker store never sees the number."""
    return SENDER_PREFIX + number_hash


class SealError(ValueError):
    """A sealed value cannot be opened: damaged, or sealed under another key."""


class Sealer:
    """Seals short strings (a number, a message) for the queue tables."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(hmac.new(key, _SEAL_LABEL, hashlib.sha256).digest())

    def seal(self, value: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, value.encode("utf-8"), None)).decode("ascii")

    def open(self, sealed: Optional[str]) -> str:
        try:
            raw = base64.b64decode(sealed or "", validate=True)
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode("utf-8")
        except (ValueError, InvalidTag) as exc:
            raise SealError("sealed value cannot be opened (was SMS_HASH_SALT changed?)") from exc
