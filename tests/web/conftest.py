"""One real stack for tests/web: action server, Rasa with the website's socket.io
channel (from credentials.yml) and bot/web/server.py serving web/, all on free loopback
ports with their own temp data; and Debian's chromium driven by Playwright for the
widget's browser tests."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from playwright.sync_api import sync_playwright

from bot import PROJECT_ROOT
from tools.stack.servers import base_env, free_port, rasa_stack, wait_http

SOCKETIO_CHANNEL = "bot.channels.socketio.RestrictedSocketIOInput"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def project_credentials() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())


@pytest.fixture(scope="package")
def web_stack(tmp_path_factory):
    """Rasa (REST + socket.io) and the web page; yields urls and the allowed origin."""
    workdir = tmp_path_factory.mktemp("web-stack")
    web_port = free_port()
    origin = f"http://127.0.0.1:{web_port}"
    # The website channel exactly as credentials.yml configures it (other channels are
    # other tests' business).
    credentials = {SOCKETIO_CHANNEL: project_credentials()[SOCKETIO_CHANNEL]}
    with rasa_stack(workdir, credentials=credentials, env_extra={"WEB_ALLOWED_ORIGINS": origin}) as rasa:
        env = base_env(workdir, {"RASA_URL": rasa.url})
        log = open(workdir / f"web-{web_port}.log", "w")
        web = subprocess.Popen(
            [sys.executable, "-m", "bot.web", "--host", "127.0.0.1", "--port", str(web_port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"{origin}/health", timeout=30, proc=web)
            yield SimpleNamespace(rasa=rasa, rasa_url=rasa.url, web_url=origin, origin=origin, workdir=Path(workdir))
        finally:
            web.terminate()
            try:
                web.wait(timeout=10)
            except subprocess.TimeoutExpired:
                web.kill()
            log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)")
    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh temporary --user-data-dir.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, web_stack):
    """Opens the clinic page in a fresh browser context (empty storage) whose browser
    language is `locale` (navigator.language); the contexts close after the test."""
    contexts = []

    def open_page(locale: str = "en-US"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.goto(web_stack.web_url)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    """The clinic page in a fresh browser context (empty storage), in an English browser."""
    return open_page()
