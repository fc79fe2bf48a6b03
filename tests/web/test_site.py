"""bot/web/server.py: what the static server serves, and what it refuses to."""

import json
import threading
import urllib.error
import urllib.request

import pytest
import yaml

from bot import KNOWLEDGE_DIR
from bot.ops.serve import commands
from bot.web import server as web
from tools.stack.servers import free_port

CONTACTS = {"clinic_phone": "555-0142"}
CONFIG_PREFIX = "window.PUMP_CHAT_CONFIG = "


def parse_config(body: bytes) -> dict:
    text = body.decode()
    assert text.startswith(CONFIG_PREFIX)
    return json.loads(text[len(CONFIG_PREFIX) :].strip().rstrip(";"))


def widget_file(language: str) -> dict:
    """The widget's strings as written in knowledge/ (English, or a translation's `text`s)."""
    path = KNOWLEDGE_DIR / ("widget.yml" if language == "en" else f"{language}/widget.yml")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["widget"]
    return {name: value if isinstance(value, str) else value["text"] for name, value in raw.items()}


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
    config = parse_config(body)
    assert config["rasaUrl"] == "http://127.0.0.1:5999"
    assert config["contacts"] == CONTACTS
    csp = headers["Content-Security-Policy"]
    assert "connect-src 'self' http://127.0.0.1:5999 ws://127.0.0.1:5999" in csp


def test_config_js_carries_the_widget_strings_of_both_languages_with_the_phone_filled_in(site_url):
    _, _, body = get(site_url + "/config.js")
    config = parse_config(body)
    assert config["languages"] == ["en", "es"]
    assert list(config["widget"]) == ["en", "es"]
    for language in ("en", "es"):
        written = widget_file(language)
        served = config["widget"][language]
        assert set(served) == set(written), language
        for name, text in written.items():
            # (the loader trims texts: "You: " is served as "You:", chat.js adds the space)
            expected = text.replace("{clinic_phone}", CONTACTS["clinic_phone"]).strip()
            assert served[name] == expected, (language, name)
        assert not any("{" in text for text in served.values()), language
        assert CONTACTS["clinic_phone"] in served["status_unreachable"]
    assert config["widget"]["es"]["send_button"] == widget_file("es")["send_button"] != widget_file("en")["send_button"]
    assert config["widget"]["es"]["source_prefix"] == "Fuente:"
    assert config["widget"]["es"]["urgent_prefix"] == "Llame al 911"


def test_config_js_fills_a_configured_phone_into_every_language():
    site = web.Site(url="http://127.0.0.1:5999", contacts={"clinic_phone": "555-0177"})
    config = parse_config(site.config)
    for language in ("en", "es"):
        for name in ("status_load_failed", "status_unreachable", "status_no_answer"):
            assert "555-0177" in config["widget"][language][name], (language, name)
            assert "555-0142" not in config["widget"][language][name]
    assert config["contacts"] == {"clinic_phone": "555-0177"}


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
    widget = {"en": {"send_button": "</script><script>alert(1)"}}
    body = web.config_js("http://localhost:5005", {}, widget).decode()
    assert "</script>" not in body and parse_config(body.encode())["widget"] == widget


def test_make_run_starts_the_web_page_on_8080():
    assert commands()["web page"][-5:] == ["bot.web", "--host", "127.0.0.1", "--port", "8080"]
