"""Staff accounts in the app database: argon2id password hashes (argon2-cffi), created
and changed only from the command line (`python -m bot staff ...`), never on the page."""

import re
from functools import lru_cache
from typing import List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db.tables import StaffSession, StaffUser

MIN_PASSWORD_CHARS = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106) parameters


class AccountError(ValueError):
    """A bad user name or password, or an unknown or existing account."""


@lru_cache(maxsize=1)
def _unknown_user_hash() -> str:
    # Checked against when the name is unknown, so a wrong name takes as long as a wrong password.
    return _hasher.hash("no such user")


def check_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError(
            "a user name is 2-64 characters: lower-case letters, digits and . _ @ - (starting with a letter or digit)"
        )
    return username


def check_new_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if username.lower() in password.lower():
        raise AccountError("a password must not contain the user name")


def add_user(db: Session, username: str, password: str) -> StaffUser:
    username = check_username(username)
    check_new_password(password, username)
    if db.scalar(select(StaffUser).where(StaffUser.username == username)) is not None:
        raise AccountError(f"there is already a staff account {username!r}")
    user = StaffUser(username=username, password_hash=_hasher.hash(password))
    db.add(user)
    return user


def _user(db: Session, username: str) -> StaffUser:
    user = db.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None:
        raise AccountError(f"there is no staff account {username!r}")
    return user


def set_password(db: Session, username: str, password: str) -> None:
    user = _user(db, username)
    check_new_password(password, user.username)
    user.password_hash = _hasher.hash(password)
    # A new password signs out every browser that had the old one.
    db.execute(delete(StaffSession).where(StaffSession.username == user.username))


def set_disabled(db: Session, username: str, disabled: bool) -> None:
    user = _user(db, username)
    user.disabled = disabled
    if disabled:
        db.execute(delete(StaffSession).where(StaffSession.username == user.username))


def list_users(db: Session) -> List[StaffUser]:
    return list(db.scalars(select(StaffUser).order_by(StaffUser.username)))


def authenticate(db: Session, username: str, password: str) -> Optional[StaffUser]:
    """The account when the password is right and the account is enabled, else None."""
    user = db.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _unknown_user_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user
