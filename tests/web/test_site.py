"""bot/web/server.py: what the static server serves, and what it refuses to."""

import json
import threading
import urllib.error
import urllib.request

import pytest

from bot.ops.serve import commands
from bot.web import server as web
from tools.stack.servers import free_port

CONTACTS = {"clinic_phone": "555-0142"}


@pytest.fixture(scope="module")
def site_url():
    site = web.Site(url="http://127.0.0.1:5999", contacts=CONTACTS)
    port = free_port()
    server = web.make_server("127.0.0.1", port, site=site, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_page_widget_and_socketio_client_are_served(site_url):
    for path, kind in [
        ("/", "text/html"),
        ("/chat.js", "text/javascript"),
        ("/chat.css", "text/css"),
        ("/vendor/socket.io.min.js", "text/javascript"),
    ]:
        status, headers, body = get(site_url + path)
        assert status == 200 and headers["Content-Type"].startswith(kind), path
        assert body
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_config_js_tells_the_page_where_rasa_is(site_url):
    status, headers, body = get(site_url + "/config.js")
    assert status == 200
    text = body.decode()
    prefix = "window.PUMP_CHAT_CONFIG = "
    assert text.startswith(prefix)
    config = json.loads(text[len(prefix) :].strip().rstrip(";"))
    assert config["rasaUrl"] == "http://127.0.0.1:5999"
    assert config["contacts"] == CONTACTS
    csp = headers["Content-Security-Policy"]
    assert "connect-src 'self' http://127.0.0.1:5999 ws://127.0.0.1:5999" in csp


@pytest.mark.parametrize(
    "path",
    [
        "/package.json",
        "/package-lock.json",
        "/node_modules/socket.io-client/package.json",
        "/../pyproject.toml",
        "/%2e%2e/credentials.yml",
        "/vendor/../chat.js/../../bot/web/server.py",
    ],
)
def test_nothing_else_on_disk_is_served(site_url, path):
    status, _, _ = get(site_url + path)
    assert status == 404


def test_rasa_url_is_checked():
    assert web.rasa_url({}) == "http://localhost:5005"
    assert web.rasa_url({"RASA_URL": "https://chat.clinic.example/"}) == "https://chat.clinic.example"
    for bad in ["localhost:5005", "javascript:alert(1)", "http://host:5005/path"]:
        with pytest.raises(ValueError):
            web.rasa_url({"RASA_URL": bad})
    csp = web.content_security_policy("https://chat.clinic.example")
    assert "wss://chat.clinic.example" in csp


def test_config_js_cannot_close_a_script_tag():
    body = web.config_js("http://localhost:5005", {"clinic_phone": "</script><script>alert(1)"}).decode()
    assert "</script>" not in body


def test_make_run_starts_the_web_page_on_8080():
    assert commands()["web page"][-5:] == ["bot.web", "--host", "127.0.0.1", "--port", "8080"]
