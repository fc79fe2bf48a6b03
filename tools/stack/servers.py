"""Real servers on loopback for integration tests: the action server and Rasa.

Each stack gets free ports, its own SQLite tracker store and app database in a
temp folder, and its own endpoints/credentials files, so tests never touch the
developer's var/ data and stacks can run side by side.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional

import requests
import yaml

from bot import PROJECT_ROOT
from bot.ops.training import MODEL_DIR, latest_model

RASA = str(Path(sys.executable).with_name("rasa"))
START_TIMEOUT = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = START_TIMEOUT, proc: Optional[subprocess.Popen] = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up in {timeout} s")


def wait_model_loaded(url: str, timeout: float = START_TIMEOUT, proc: Optional[subprocess.Popen] = None) -> None:
    """Rasa keeps serving (and answering nothing) when its model fails to load: ask the REST
    channel's readiness route (Rasa's /status needs the API token)."""
    wait_http(f"{url}/webhooks/rest/", timeout, proc)
    status = requests.get(f"{url}/webhooks/rest/ready", timeout=5)
    if status.status_code != 200 or not status.json().get("model_loaded"):
        raise RuntimeError(f"Rasa at {url} has no model loaded: {status.status_code} {status.text[:300]}")


def terminate(proc: subprocess.Popen, timeout: float) -> None:
    """SIGTERM, then SIGKILL if the process has not exited within `timeout` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()


def _stop_if_failing(proc: subprocess.Popen, wait) -> None:
    """Run a readiness wait; a server that never became ready must not outlive the test."""
    try:
        wait()
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        raise


def base_env(workdir: Path, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="3",
        TRACKER_STORE_URL=f"sqlite:///{workdir / 'tracker.db'}",
        APP_DATABASE_URL=f"sqlite:///{workdir / 'app.db'}",
    )
    env.update(extra or {})
    return env


class ActionServer:
    """`rasa run actions` loading the `actions` package of `project` (this one by default)."""

    def __init__(self, workdir: Path, env: Dict[str, str], project: Path = PROJECT_ROOT, log_prefix: str = "actions"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self.log = open(workdir / f"{log_prefix}-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [RASA, "run", "actions", "--actions", "actions", "--port", str(self.port)],
            cwd=project,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        _stop_if_failing(self.proc, lambda: wait_http(f"http://127.0.0.1:{self.port}/health", proc=self.proc))

    def stop(self) -> None:
        terminate(self.proc, timeout=20)
        self.log.close()


class RasaServer:
    """`rasa run` (bot/ops/rasa_server.py) with the REST channel (plus any extra channels)
    and the HTTP API behind a token of its own: use api(path) for API URLs."""

    def __init__(
        self,
        workdir: Path,
        env: Dict[str, str],
        action_url: str,
        credentials: Optional[dict] = None,
        endpoints_extra: Optional[dict] = None,
        port: Optional[int] = None,
        model: Optional[Path] = None,
        wait: bool = True,
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_token = secrets.token_hex(16)
        self.workdir, self.env = workdir, {**env, "RASA_API_TOKEN": self.api_token}
        endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
        endpoints["action_endpoint"] = {"url": action_url}
        endpoints.update(endpoints_extra or {})
        self.endpoints = workdir / f"endpoints-{self.port}.yml"
        self.endpoints.write_text(yaml.safe_dump(endpoints))
        self.credentials = workdir / f"credentials-{self.port}.yml"
        # REST as credentials.yml registers it (bot/channels/rest.py, under the name "rest").
        self.credentials.write_text(yaml.safe_dump({"bot.channels.rest.CheckedRestInput": None, **(credentials or {})}))
        self.model = model or latest_model()
        assert self.model, f"no trained model in {MODEL_DIR}: run `make train`"
        self.start(wait)

    def start(self, wait: bool = True) -> None:
        """Start `rasa run`; wait=False returns at once (then call wait_ready(), e.g. for replicas)."""
        self.log = open(self.workdir / f"rasa-{self.port}.log", "a")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.ops.rasa_server",
                "--port",
                str(self.port),
                "--interface",
                "127.0.0.1",
                "--model",
                str(self.model),
                "--endpoints",
                str(self.endpoints),
                "--credentials",
                str(self.credentials),
            ],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        _stop_if_failing(self.proc, lambda: wait_model_loaded(self.url, proc=self.proc))

    def stop(self) -> None:
        terminate(self.proc, timeout=30)
        self.log.close()

    def api(self, path: str) -> str:
        """The URL of an HTTP API path, with this server's token."""
        return f"{self.url}{path}{'&' if '?' in path else '?'}token={self.api_token}"

    def say(self, text: str, sender: str = "tester", timeout: float = 30) -> list:
        """One REST round trip; returns the bot's messages."""
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout
        )
        response.raise_for_status()
        return response.json()


@contextmanager
def rasa_stack(
    workdir: Path, credentials: Optional[dict] = None, env_extra: Optional[Dict[str, str]] = None
) -> Iterator[RasaServer]:
    """An action server and a Rasa server wired together; yields the Rasa server."""
    env = base_env(workdir, env_extra)
    actions = ActionServer(workdir, env)
    try:
        server = RasaServer(workdir, env, actions.url, credentials=credentials)
        server.actions = actions
        try:
            yield server
        finally:
            server.stop()
    finally:
        actions.stop()
