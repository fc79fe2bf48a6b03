"""`python -m bot staff add|password|disable|enable|list`: staff accounts from the command line."""

import getpass
import sys

from bot.db.engine import AppDatabaseError, session_factory
from bot.staff import accounts


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Password for {args.username} (at least {accounts.MIN_PASSWORD_CHARS} characters): ")
    if getpass.getpass("The same password again: ") != first:
        raise accounts.AccountError("the two passwords differ")
    return first


def main(args) -> int:
    try:
        with session_factory().begin() as db:
            command = args.staff_command
            if command == "list":
                users = accounts.list_users(db)
                for u in users:
                    print(f"{u.username:<32} {'disabled' if u.disabled else 'active':<9} since {u.created_at:%Y-%m-%d}")
                if not users:
                    print("No staff accounts yet: python -m bot staff add NAME")
            elif command == "add":
                user = accounts.add_user(db, args.username, _password(args))
                print(f"Staff account {user.username!r} created.")
            elif command == "password":
                accounts.set_password(db, args.username, _password(args))
                print(f"New password set for {args.username!r}; signed out everywhere.")
            else:
                accounts.set_disabled(db, args.username, command == "disable")
                print(f"{args.username!r} {command}d.")
    except (accounts.AccountError, AppDatabaseError) as exc:
        print(f"staff: {exc}", file=sys.stderr)
        return 2
    return 0
