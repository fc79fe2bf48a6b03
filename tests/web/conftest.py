"""One real stack for tests/web: action server, Rasa with the website's socket.io
channel (from credentials.yml) and bot/web/server.py serving web/, all on free loopback
ports with their own temp data."""

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from bot import PROJECT_ROOT
from tools.stack.servers import base_env, free_port, rasa_stack, wait_http

SOCKETIO_CHANNEL = "bot.channels.socketio.RestrictedSocketIOInput"


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
