"""The staff review page over HTTP (stdlib server, like the clinic page): the routes, the
sign-in and the headers. Every page but /login, /health and the style sheet needs a
session; every page view, export and change is written to the access log in the same
transaction as the read, so there is no view without its trace."""

import sys
from dataclasses import dataclass, field
from functools import cached_property
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.db.engine import session_factory
from bot.db.tables import StaffSession
from bot.db.tracker_events import tracker_engine
from bot.staff import access_log, accounts, chart, conversation, export, review, sessions, statuses

HERE = Path(__file__).parent
STATIC = {"/static/staff.css": (HERE / "static" / "staff.css", "text/css; charset=utf-8")}
MAX_BODY = 16 * 1024
HTML = "text/html; charset=utf-8"
CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS = [
    ("Content-Security-Policy", CSP),
    # Health information: never kept by a browser or a proxy.
    ("Cache-Control", "no-store"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on the
    # page's own form posts, and the Origin check below would refuse them.
    ("Referrer-Policy", "same-origin"),
]


@dataclass
class Request:
    method: str
    target: str  # path and query, as sent
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""
    client: Optional[str] = None

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> Dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.target).query).items()}

    @cached_property
    def fields(self) -> Dict[str, str]:
        """The form body, parsed once (the CSRF check and the handler both read it)."""
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}

    def cookie(self, name: str) -> Optional[str]:
        try:
            jar = SimpleCookie(self.headers.get("cookie", ""))
        except CookieError:
            return None
        return jar[name].value if name in jar else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: List[Tuple[str, str]] = field(default_factory=list)

    @classmethod
    def redirect(cls, location: str, *headers: Tuple[str, str]) -> "Response":
        return cls(HTTPStatus.SEE_OTHER, headers=[("Location", location), *headers])

    @classmethod
    def text(cls, status: int, message: str) -> "Response":
        return cls(status, (message + "\n").encode("utf-8"))


def local_path(value: Optional[str], default: str = "/") -> str:
    """A path on this site to go back to; anything else (another site, //host) is the default."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


class StaffApp:
    """Everything but the socket: takes a Request, returns a Response (so tests can call it)."""

    def __init__(
        self,
        app_database_url: Optional[str] = None,
        tracker_store_url: Optional[str] = None,
        clock: Optional[review.Clock] = None,
        settings: Optional[sessions.SessionSettings] = None,
        secure_cookies: bool = False,
        behind_proxy: bool = False,
    ):
        self.db = session_factory(app_database_url)  # fails at start when the database is unusable
        self.tracker_store_url = tracker_store_url
        self.clock = clock or review.Clock.from_env()
        self.settings = settings or sessions.SessionSettings.from_env()
        self.secure_cookies = secure_cookies
        # Behind nginx the socket's address is nginx's: take the browser's from X-Real-IP.
        self.behind_proxy = behind_proxy
        self._tracker = None
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # ---- plumbing --------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        try:
            response = self._route(request)
        except SQLAlchemyError as exc:
            print(f"staff page: database error: {exc.__class__.__name__}", file=sys.stderr)
            response = Response.text(HTTPStatus.SERVICE_UNAVAILABLE, "The database cannot be reached. Try again.")
        except conversation.ConversationUnavailable as exc:
            print(f"staff page: tracker store error: {exc}", file=sys.stderr)
            response = Response.text(HTTPStatus.SERVICE_UNAVAILABLE, "The conversation store cannot be reached.")
        response.headers.extend(SECURITY_HEADERS)
        return response

    def _cookie(self, name: str, value: str, max_age: int) -> Tuple[str, str]:
        attributes = f"{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}"
        return ("Set-Cookie", attributes + ("; Secure" if self.secure_cookies else ""))

    def _render(self, name: str, **values) -> Response:
        return Response(HTTPStatus.OK, self.templates.get_template(name).render(**values).encode("utf-8"), HTML)

    def _tracker_engine(self):
        if self._tracker is None:
            self._tracker = tracker_engine(self.tracker_store_url)
        return self._tracker

    @staticmethod
    def _same_origin(request: Request) -> bool:
        """A form post from this site: the browser's Origin (when sent) is this host."""
        if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return False
        origin = request.headers.get("origin")
        return origin is None or urlsplit(origin).netloc == request.headers.get("host", "")

    # ---- routes ------------------------------------------------------------------

    def _route(self, request: Request) -> Response:
        path, method = request.path, request.method
        if path == "/health" and method == "GET":
            return Response.text(HTTPStatus.OK, "ok")
        if path in STATIC and method == "GET":
            file, content_type = STATIC[path]
            return Response(HTTPStatus.OK, file.read_bytes(), content_type)
        if path == "/login":
            return self._login(request) if method == "POST" else self._login_page(request)
        routes = {
            ("GET", "/"): self._escalations,
            ("GET", "/questions"): self._questions,
            ("GET", "/access-log"): self._access_log,
            ("GET", "/export/escalations.csv"): self._export_escalations,
            ("GET", "/export/questions.csv"): self._export_questions,
            ("POST", "/logout"): self._logout,
        }
        handler: Optional[Callable[..., Response]] = routes.get((method, path))
        parts = path.strip("/").split("/")
        item: Optional[int] = None
        if handler is None and len(parts) in (2, 3) and parts[0] in ("questions", "escalations") and parts[1].isdigit():
            item = int(parts[1])
            if len(parts) == 2 and method == "GET":
                handler = self._question if parts[0] == "questions" else self._escalation
            elif parts[0] == "questions" and parts[2:] == ["status"] and method == "POST":
                handler = self._set_status
        if handler is None:
            return Response.text(HTTPStatus.NOT_FOUND, "Not found")
        with self.db.begin() as db:
            session = sessions.find(db, request.cookie(sessions.COOKIE), self.settings)
            if session is None:
                if method != "GET":
                    return Response.text(HTTPStatus.FORBIDDEN, "Sign in first.")
                return Response.redirect("/login?" + urlencode({"next": request.target}))
            if method == "POST":
                if not (
                    self._same_origin(request) and sessions.tokens_match(request.fields.get("csrf"), session.csrf_token)
                ):
                    return Response.text(HTTPStatus.FORBIDDEN, "This form has expired: go back, reload and try again.")
            return handler(db, session, request) if item is None else handler(db, session, request, item)

    def _login_page(self, request: Request, error: str = "", status: int = HTTPStatus.OK) -> Response:
        token = sessions.new_token()
        response = self._render(
            "login.html",
            csrf=token,
            next=local_path(request.query.get("next") or request.fields.get("next")),
            error=error,
        )
        response.status = status
        response.headers.append(self._cookie(sessions.LOGIN_CSRF_COOKIE, token, 3600))
        return response

    def _login(self, request: Request) -> Response:
        form = request.fields
        if not self._same_origin(request) or not sessions.tokens_match(
            form.get("csrf"), request.cookie(sessions.LOGIN_CSRF_COOKIE)
        ):
            return self._login_page(request, "The sign-in form expired. Please try again.", HTTPStatus.FORBIDDEN)
        username = (form.get("username") or "").strip().lower()[:64]
        password = form.get("password") or ""
        with self.db.begin() as db:
            if sessions.sign_in_blocked(db, username, request.client):
                access_log.record(db, username, "sign_in_refused", "/login", "too many tries", request.client)
                user = None
            else:
                user = accounts.authenticate(db, username, password) if username and password else None
                if user is None:
                    access_log.record(
                        db, username, "sign_in_refused", "/login", "wrong name or password", request.client
                    )
            if user is None:
                error = "Wrong user name or password, or too many tries: wait 15 minutes before trying again."
                return self._login_page(request, error, HTTPStatus.UNAUTHORIZED)
            token = sessions.start(db, user.username, self.settings)
            access_log.record(db, user.username, "sign_in", "/login", None, request.client)
        max_age = int(self.settings.lifetime.total_seconds())
        return Response.redirect(
            local_path(form.get("next")),
            self._cookie(sessions.COOKIE, token, max_age),
            self._cookie(sessions.LOGIN_CSRF_COOKIE, "", 0),
        )

    def _logout(self, db: Session, session: StaffSession, request: Request) -> Response:
        access_log.record(db, session.username, "sign_out", "/logout", None, request.client)
        sessions.end(db, request.cookie(sessions.COOKIE))
        return Response.redirect("/login", self._cookie(sessions.COOKIE, "", 0))

    def _page(self, db: Session, session: StaffSession, request: Request, name: str, **values) -> Response:
        access_log.record(db, session.username, "view", request.target, None, request.client)
        return self._render(name, user=session.username, csrf=session.csrf_token, here=request.target, **values)

    def _escalations(self, db: Session, session: StaffSession, request: Request) -> Response:
        days = self.clock.period(request.query.get("days"))
        summary = review.escalations(db, self.clock, days)
        return self._page(
            db,
            session,
            request,
            "escalations.html",
            summary=summary,
            chart=chart.stacked_bars(summary.per_day, review.level_names()),
            levels=review.level_names(),
            periods=self.clock.periods(),
            export="/export/escalations.csv?" + urlencode({"days": days}),
            zone=str(self.clock.zone),
        )

    def _question_filters(self, request: Request) -> Tuple[int, str, str]:
        days = self.clock.period(request.query.get("days"))
        status = request.query.get("status") or "all"
        if status != "all" and status not in statuses.STATUSES:
            status = "all"
        return days, status, (request.query.get("theme") or "")[:64]

    def _questions(self, db: Session, session: StaffSession, request: Request) -> Response:
        days, status, theme = self._question_filters(request)
        view = review.questions(db, self.clock, days, status, theme)
        return self._page(
            db,
            session,
            request,
            "questions.html",
            view=view,
            statuses=statuses.STATUSES,
            periods=self.clock.periods(),
            export="/export/questions.csv?" + urlencode({"days": days, "status": status, "theme": theme}),
            zone=str(self.clock.zone),
        )

    def _turns(self, record) -> Optional[list]:
        turns = conversation.around(
            self._tracker_engine(),
            record.conversation_id,
            record.event_key,
            getattr(record, "text", None),
            record.created_at,
            self.clock.since(self.clock.retention_days),
        )
        return [
            {"who": t.who, "text": t.text, "time": self.clock.shown(t.at), "marked": t.marked} for t in turns or []
        ] or None

    def _question(self, db: Session, session: StaffSession, request: Request, item: int) -> Response:
        found = review.question(db, self.clock, item)
        row = review.question_row(found, self.clock) if found else None
        return self._conversation(db, session, request, found, "/questions", question=row, escalation=None)

    def _escalation(self, db: Session, session: StaffSession, request: Request, item: int) -> Response:
        found = review.escalation(db, self.clock, item)
        row = review.escalation_row(found, self.clock) if found else None
        return self._conversation(db, session, request, found, "/", question=None, escalation=row)

    def _conversation(self, db: Session, session: StaffSession, request: Request, found, back: str, **rows):
        """A question's or an escalation's page: its facts and the conversation around it."""
        if found is None:
            return Response.text(HTTPStatus.NOT_FOUND, "Not found (it may have passed the retention period).")
        return self._page(
            db,
            session,
            request,
            "conversation.html",
            turns=self._turns(found),
            statuses=statuses.STATUSES,
            back=local_path(request.query.get("back"), back),
            zone=str(self.clock.zone),
            **rows,
        )

    def _set_status(self, db: Session, session: StaffSession, request: Request, item: int) -> Response:
        form = request.fields
        status = form.get("status") or ""
        found = review.question(db, self.clock, item)
        if found is None:
            return Response.text(HTTPStatus.NOT_FOUND, "No such question.")
        if status not in statuses.STATUSES:
            return Response.text(HTTPStatus.BAD_REQUEST, "Unknown status.")
        before = statuses.shown(found.status)
        review.set_status(db, found, status, session.username)
        access_log.record(db, session.username, "status", f"/questions/{item}", f"{before} -> {status}", request.client)
        back = local_path(form.get("back"), f"/questions/{item}")
        return Response.redirect(back)

    def _access_log(self, db: Session, session: StaffSession, request: Request) -> Response:
        days = self.clock.period(request.query.get("days"))
        rows = [
            {
                "time": self.clock.shown(e.created_at),
                "user": e.username or "",
                "action": e.action,
                "target": e.target,
                "detail": e.detail or "",
                "client": e.client or "",
            }
            for e in access_log.entries(db, self.clock.since(days))
        ]
        return self._page(
            db,
            session,
            request,
            "access_log.html",
            rows=rows,
            days=days,
            periods=self.clock.periods(),
            zone=str(self.clock.zone),
        )

    def _csv(self, db: Session, session: StaffSession, request: Request, name: str, body: bytes, rows: int):
        access_log.record(db, session.username, "export", request.target, f"{rows} rows", request.client)
        filename = quote(name)
        return Response(
            HTTPStatus.OK,
            body,
            "text/csv; charset=utf-8",
            [("Content-Disposition", f'attachment; filename="{filename}"')],
        )

    def _export_escalations(self, db: Session, session: StaffSession, request: Request) -> Response:
        days = self.clock.period(request.query.get("days"))
        summary = review.escalations(db, self.clock, days)
        body = export.to_csv(summary.rows, export.ESCALATION_COLUMNS)
        return self._csv(db, session, request, f"escalations-last-{days}-days.csv", body, len(summary.rows))

    def _export_questions(self, db: Session, session: StaffSession, request: Request) -> Response:
        days, status, theme = self._question_filters(request)
        view = review.questions(db, self.clock, days, status, theme)
        rows = export.question_rows(view.groups)
        body = export.to_csv(rows, export.QUESTION_COLUMNS)
        return self._csv(db, session, request, f"unanswered-questions-last-{days}-days.csv", body, len(rows))


# ---- the socket ------------------------------------------------------------------------


def make_handler(app: StaffApp):
    class Handler(BaseHTTPRequestHandler):
        server_version = "pump-staff"
        sys_version = ""

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            body = b""
            if method == "POST":
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if length < 0 or length > MAX_BODY:
                    self._send(Response.text(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Too large."))
                    return
                body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            client = self.client_address[0]
            if app.behind_proxy and headers.get("x-real-ip"):
                client = headers["x-real-ip"]
            self._send(app.handle(Request(method, self.path, headers, body, client)))

        def _send(self, response: Response) -> None:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, format: str, *args) -> None:
            # The request line only (never a form body); the access log table is the record.
            if not getattr(self.server, "quiet", False):
                sys.stderr.write("staff: %s %s\n" % (self.address_string(), format % args))

    return Handler


class StaffServer(ThreadingHTTPServer):
    daemon_threads = True
    quiet = False


def make_server(host: str, port: int, app: StaffApp, quiet: bool = False) -> StaffServer:
    server = StaffServer((host, port), make_handler(app))
    server.quiet = quiet
    return server
