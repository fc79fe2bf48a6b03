"""The website with the chat widget: a small static server for web/.

`make run` starts it with `python -m bot.web --port 8080`. It serves:

- the page, styles and widget script from web/ (only the files listed in
  PAGE_FILES: never node_modules/, package files or anything else on disk);
- /vendor/socket.io.min.js, the socket.io client installed from npm by
  `make build` (npm ci in web/);
- /config.js, which tells the page where the Rasa server is (RASA_URL, default
  http://localhost:5005), the clinic contacts (knowledge/contacts.yml with
  the CLINIC_* environment overrides), so the page shows the same numbers as
  the bot, and the chat widget's strings in every language the assistant
  answers in (`languages`, from knowledge/language.yml, and `widget`:
  language -> string name -> text, from knowledge/widget.yml and
  knowledge/<language>/widget.yml with that language's contacts filled in);
- /health for monitoring.

Every response carries a Content-Security-Policy that allows scripts and styles
from this server only and connections to this server and the Rasa server.
The Rasa side only accepts sockets from WEB_ALLOWED_ORIGINS (see
bot/channels/socketio.py), which must include this page's origin.
"""

import argparse
import json
import os
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from bot import PROJECT_ROOT
from bot.core.knowledge import KnowledgeError, get_knowledge
from bot.ops.http import serve_until_stopped
from bot.ops.rasa_server import bind_address

WEB_DIR = PROJECT_ROOT / "web"
DEFAULT_RASA_URL = "http://localhost:5005"

# URL path -> file, relative to web/.
PAGE_FILES = {
    "/": "index.html",
    "/index.html": "index.html",
    "/site.css": "site.css",
    "/site.js": "site.js",
    "/chat.css": "chat.css",
    "/chat.js": "chat.js",
    "/vendor/socket.io.min.js": "node_modules/socket.io-client/dist/socket.io.min.js",
}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}


def rasa_url(environ: Optional[Mapping[str, str]] = None) -> str:
    """RASA_URL from the environment, checked: an http(s) origin like http://localhost:5005."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    url = (env.get("RASA_URL") or DEFAULT_RASA_URL).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
        raise ValueError(f"RASA_URL must look like http://host:port (got {url!r})")
    return url


def config_js(url: str, contacts: Dict[str, str], widget: Optional[Dict[str, Dict[str, str]]] = None) -> bytes:
    """The page's configuration; `widget` maps each language (the first is the default) to its strings."""
    config: Dict[str, object] = {"rasaUrl": url, "socketPath": "/socket.io/", "contacts": contacts}
    if widget:
        config["languages"] = list(widget)
        config["widget"] = widget
    # JSON is valid JavaScript; "<" escaped so no value can end a <script>.
    payload = json.dumps(config, indent=2).replace("<", "\\u003c")
    return f"window.PUMP_CHAT_CONFIG = {payload};\n".encode("utf-8")


def content_security_policy(url: str) -> str:
    parts = urlsplit(url)
    ws = ("wss" if parts.scheme == "https" else "ws") + "://" + parts.netloc
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {url} {ws}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def load_contacts() -> Dict[str, str]:
    return dict(get_knowledge().contacts)


def load_widget(contacts: Optional[Mapping[str, str]] = None) -> Dict[str, Dict[str, str]]:
    """The widget's strings per language, each with that language's contacts filled in.

    `contacts` (as given to Site) override the phone numbers, which are the same in
    every language; the other contact fields keep each language's own wording."""
    knowledge = get_knowledge()
    phones = {name: value for name, value in (contacts or {}).items() if name.endswith("_phone")}
    widget = {}
    for language in knowledge.languages:
        values = {**knowledge.contacts_in(language), **phones}
        widget[language] = {name: text.format(**values) for name, text in knowledge.widget_texts(language).items()}
    return widget


class Site:
    """What the handler serves; built once at start so mistakes fail early."""

    def __init__(
        self,
        web_dir: Path = WEB_DIR,
        url: Optional[str] = None,
        contacts: Optional[Dict[str, str]] = None,
        widget: Optional[Dict[str, Dict[str, str]]] = None,
    ):
        self.web_dir = web_dir
        self.rasa_url = url or rasa_url()
        self.config = config_js(
            self.rasa_url,
            load_contacts() if contacts is None else contacts,
            load_widget(contacts) if widget is None else widget,
        )
        self.csp = content_security_policy(self.rasa_url)
        missing = [name for name in PAGE_FILES.values() if not (web_dir / name).is_file()]
        if missing:
            hint = (
                " (run `make build`: it installs web/node_modules with npm ci)"
                if any("node_modules" in m for m in missing)
                else ""
            )
            raise FileNotFoundError(f"missing in {web_dir}: {', '.join(missing)}{hint}")

    def get(self, path: str) -> Tuple[int, str, bytes]:
        """(status, content type, body) for a URL path."""
        path = urlsplit(path).path
        if path == "/config.js":
            return HTTPStatus.OK, CONTENT_TYPES[".js"], self.config
        if path == "/health":
            return HTTPStatus.OK, "text/plain; charset=utf-8", b"ok\n"
        name = PAGE_FILES.get(path)
        if name is None:
            return HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"Not found\n"
        file = self.web_dir / name
        return HTTPStatus.OK, CONTENT_TYPES[file.suffix], file.read_bytes()


def make_handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        server_version = "pump-web"
        sys_version = ""

        def do_GET(self) -> None:
            self._respond(head=False)

        def do_HEAD(self) -> None:
            self._respond(head=True)

        def _respond(self, head: bool) -> None:
            status, content_type, body = site.get(self.path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Content-Security-Policy", site.csp)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:
            if not getattr(self.server, "quiet", False):
                sys.stderr.write("web: %s %s\n" % (self.address_string(), format % args))

    return Handler


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    quiet = False  # True: no request log (tests)


def make_server(host: str, port: int, site: Optional[Site] = None, quiet: bool = False) -> SiteServer:
    server = SiteServer((host, port), make_handler(site or Site()))
    server.quiet = quiet
    return server


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.web", description="Serve web/ with the chat widget.")
    # This machine only, unless BIND_ADDRESS (or --host) says otherwise.
    parser.add_argument("--host", default=os.environ.get("WEB_HOST") or bind_address())
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8080")))
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)
    try:
        site = Site()
        server = make_server(args.host, args.port, site=site, quiet=args.quiet)
    except (OSError, ValueError, KnowledgeError) as exc:
        print(f"web page: {exc}", file=sys.stderr)
        return 2
    shown = "localhost" if args.host in ("0.0.0.0", "") else args.host
    print(f"Web page: http://{shown}:{args.port} (chat server: {site.rasa_url})", flush=True)
    return serve_until_stopped(server)


if __name__ == "__main__":
    sys.exit(main())
