"""Run the action server and the Rasa server together in the foreground.

Ctrl-C or SIGTERM stops both; if either one dies, the other is stopped too,
so a clinic never runs a half-working assistant.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

from bot import PROJECT_ROOT
from bot.ops.rasa_server import bind_address
from bot.ops.training import MODEL_DIR


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def rasa_env() -> Dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # rasa_sdk listens on SANIC_HOST (0.0.0.0 unless set): the action server is for Rasa only.
    env["SANIC_HOST"] = bind_address(env)
    return env


def commands(
    rasa_port: int = 5005, action_port: int = 5055, web_port: Optional[int] = 8080, staff_port: Optional[int] = 8081
) -> Dict[str, List[str]]:
    """What `make run` starts. Every server listens on BIND_ADDRESS, by default
    127.0.0.1 (this machine only); Rasa's HTTP API is on only with a token
    (RASA_API_TOKEN or RASA_API_TOKEN_FILE, never on a command line)."""
    host = bind_address()
    cmds = {
        "action server": [_bin("rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
        "rasa server": [
            sys.executable,
            "-m",
            "bot.ops.rasa_server",
            "--interface",
            host,
            "--port",
            str(rasa_port),
            "--model",
            str(MODEL_DIR),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
        ],
    }
    web_dir = PROJECT_ROOT / "web"
    if web_port and (web_dir / "index.html").exists():
        cmds["web page"] = [sys.executable, "-m", "bot.web", "--host", host, "--port", str(web_port)]
    if staff_port:
        port = os.environ.get("STAFF_PORT") or str(staff_port)
        cmds["staff page"] = [sys.executable, "-m", "bot.staff", "--host", host, "--port", port]
    return cmds


def _model_status(port: int) -> Optional[int]:
    """HTTP status of the REST channel's readiness: 200 model loaded, 503 not; None while starting.

    (Rasa's own /status belongs to its HTTP API, which is off without a token.)"""
    import requests

    try:
        return requests.get(f"http://127.0.0.1:{port}/webhooks/rest/ready", timeout=2).status_code
    except requests.RequestException:
        return None


def serve(rasa_port: int = 5005) -> int:
    procs = {
        name: subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=rasa_env())
        for name, cmd in commands(rasa_port=rasa_port).items()
    }
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print("Starting: " + ", ".join(procs) + ". Rasa REST: http://localhost:5005/webhooks/rest/webhook", flush=True)
    exit_code = 0
    ready = False
    while not stopping:
        if not ready:
            # Rasa keeps running with no model when loading fails (bad knowledge
            # file, broken component): treat that as a failed start, not a silent bot.
            status = _model_status(rasa_port)
            if status == 200:
                ready = True
                print("Ready: the assistant is answering.", flush=True)
            elif status is not None:
                print(
                    "The Rasa server started but could not load the model (see the error above); " "stopping.",
                    file=sys.stderr,
                )
                exit_code, stopping = 1, True
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(f"{name} exited with code {proc.returncode}; stopping the others.", file=sys.stderr)
                exit_code = proc.returncode or 1
                stopping = True
        time.sleep(0.5)
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.time() + 20
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()
    return exit_code


def shell() -> int:
    """The Rasa shell against the same model, action server and tracker store."""
    actions = subprocess.Popen(
        commands()["action server"],
        cwd=PROJECT_ROOT,
        env=rasa_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return subprocess.call(
            [
                _bin("rasa"),
                "shell",
                "--model",
                str(MODEL_DIR),
                "--endpoints",
                "endpoints.yml",
                "--interface",
                bind_address(),
            ],
            cwd=PROJECT_ROOT,
            env=rasa_env(),
        )
    finally:
        actions.terminate()
        actions.wait(timeout=20)
