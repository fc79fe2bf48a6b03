"""`python -m bot.staff --port 8081`: the staff review page (see bot/staff/__init__.py)."""

import argparse
import os
import sys

from bot.db.engine import AppDatabaseError
from bot.ops.http import serve_until_stopped
from bot.ops.rasa_server import bind_address
from bot.ops.retention import RetentionError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.staff", description="Serve the staff review page.")
    # This machine only, unless BIND_ADDRESS (or --host) says otherwise.
    parser.add_argument("--host", default=os.environ.get("STAFF_HOST") or bind_address())
    parser.add_argument("--port", type=int, default=int(os.environ.get("STAFF_PORT", "8081")))
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)

    from bot.staff.server import StaffApp, make_server

    def flag(name: str) -> bool:
        return (os.environ.get(name) or "").strip().lower() in ("1", "true", "yes")

    try:
        app = StaffApp(secure_cookies=flag("STAFF_COOKIE_SECURE"), behind_proxy=flag("STAFF_BEHIND_PROXY"))
        server = make_server(args.host, args.port, app, quiet=args.quiet)
    except (OSError, ValueError, AppDatabaseError, RetentionError) as exc:
        print(f"staff page: {exc}", file=sys.stderr)
        return 2
    shown = "localhost" if args.host in ("0.0.0.0", "") else args.host
    print(f"Staff review page: http://{shown}:{args.port} (add an account: python -m bot staff add NAME)", flush=True)
    return serve_until_stopped(server)


if __name__ == "__main__":
    sys.exit(main())
