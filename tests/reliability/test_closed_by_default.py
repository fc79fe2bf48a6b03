"""Closed by default: `make run` listens on this machine only, and Rasa's HTTP API needs a token.

The servers of `make run` (bot/ops/serve.py commands) are started on free ports and
their listening sockets read from /proc: nothing may listen beyond loopback unless
BIND_ADDRESS says so. The HTTP API is off without a token, answers 401 without it,
and the token never appears on a command line.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bot import PROJECT_ROOT
from bot.ops import serve
from bot.ops.rasa_server import TokenFileError, api_token, bind_address
from tools.stack.servers import base_env, free_port, terminate, wait_http


def test_every_command_binds_loopback_and_no_token_is_on_a_command_line(monkeypatch):
    monkeypatch.setenv("RASA_API_TOKEN", "a-secret-token-that-must-not-leak")
    monkeypatch.delenv("BIND_ADDRESS", raising=False)
    commands = serve.commands()
    rasa, web, staff = commands["rasa server"], commands["web page"], commands["staff page"]
    assert rasa[rasa.index("--interface") + 1] == "127.0.0.1"
    assert web[web.index("--host") + 1] == "127.0.0.1" and staff[staff.index("--host") + 1] == "127.0.0.1"
    assert serve.rasa_env()["SANIC_HOST"] == "127.0.0.1"  # rasa_sdk's listening address
    flat = " ".join(" ".join(c) for c in commands.values())
    assert "a-secret-token" not in flat and "--auth-token" not in flat and "--enable-api" not in flat


def test_bind_address_is_the_operators_choice(monkeypatch):
    monkeypatch.setenv("BIND_ADDRESS", "10.1.2.3")
    rasa = serve.commands()["rasa server"]
    assert rasa[rasa.index("--interface") + 1] == "10.1.2.3" and serve.rasa_env()["SANIC_HOST"] == "10.1.2.3"
    assert bind_address({}) == "127.0.0.1" and bind_address({"BIND_ADDRESS": " "}) == "127.0.0.1"


def test_the_token_comes_from_the_environment_or_a_file(tmp_path):
    assert api_token({}) is None
    assert api_token({"RASA_API_TOKEN": " abc "}) == "abc"
    secret = tmp_path / "token"
    secret.write_text("from-a-file\n")
    assert api_token({"RASA_API_TOKEN_FILE": str(secret)}) == "from-a-file"
    for bad in (tmp_path / "missing", tmp_path / "empty"):
        if bad.name == "empty":
            bad.write_text("  \n")
        with pytest.raises(TokenFileError, match=str(bad)):
            api_token({"RASA_API_TOKEN_FILE": str(bad)})


def _listening(pids):
    """(address, port) of every TCP socket these processes listen on, from /proc."""
    inodes = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except (FileNotFoundError, PermissionError):
            continue
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A" or fields[9] not in inodes:  # 0A: LISTEN
                continue
            hex_addr, hex_port = fields[1].split(":")
            if width == 8:
                address = ".".join(str(int(hex_addr[i : i + 2], 16)) for i in (6, 4, 2, 0))
            else:
                address = "::1" if hex_addr == "0" * 24 + "01000000" else ("::" if set(hex_addr) == {"0"} else hex_addr)
            found.append((address, int(hex_port, 16)))
    return found


def _tree(pid):
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(k) for k in children.read_text().split()] if children.exists() else []
    return [pid] + [p for k in kids for p in _tree(k)]


@pytest.mark.timeout(240)
def test_make_run_listens_on_loopback_only(tmp_path, monkeypatch):
    monkeypatch.delenv("BIND_ADDRESS", raising=False)
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    rasa_port, action_port, web_port, staff_port = free_port(), free_port(), free_port(), free_port()
    monkeypatch.delenv("STAFF_PORT", raising=False)
    commands = serve.commands(rasa_port=rasa_port, action_port=action_port, web_port=web_port, staff_port=staff_port)
    env = {**base_env(tmp_path), **{k: v for k, v in serve.rasa_env().items() if k == "SANIC_HOST"}}
    procs = [
        subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        for cmd in commands.values()
    ]
    try:
        wait_http(f"http://127.0.0.1:{action_port}/health", proc=procs[0])
        wait_http(f"http://127.0.0.1:{rasa_port}/", proc=procs[1])
        wait_http(f"http://127.0.0.1:{web_port}/", proc=procs[2])
        wait_http(f"http://127.0.0.1:{staff_port}/health", proc=procs[3])
        listening = _listening([pid for p in procs for pid in _tree(p.pid)])
        ports = {port for _, port in listening}
        assert {rasa_port, action_port, web_port, staff_port} <= ports, listening
        assert all(address in ("127.0.0.1", "::1") for address, _ in listening), listening
        # No token configured: the HTTP API is not there at all.
        assert requests.get(f"http://127.0.0.1:{rasa_port}/status", timeout=10).status_code == 404
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def test_the_http_api_needs_the_token(stack):
    tracker = "/conversations/someone/tracker"
    assert requests.get(f"{stack.url}{tracker}", timeout=10).status_code == 401
    assert requests.get(f"{stack.url}{tracker}?token=guess", timeout=10).status_code == 401
    assert requests.get(stack.api(tracker), timeout=10).status_code == 200
    # The token is in the server's environment, not on its command line.
    cmdline = Path(f"/proc/{stack.proc.pid}/cmdline").read_text()
    assert stack.api_token not in cmdline


@pytest.mark.timeout(240)
def test_a_token_file_turns_the_api_on_and_a_missing_one_stops_the_start(tmp_path):
    secret = tmp_path / "token"
    secret.write_text("t" * 40 + "\n")
    env = base_env(tmp_path)
    env.pop("RASA_API_TOKEN", None)
    missing = subprocess.run(
        [sys.executable, "-m", "bot.ops.rasa_server", "--port", str(free_port())],
        cwd=PROJECT_ROOT,
        env={**env, "RASA_API_TOKEN_FILE": str(tmp_path / "nope")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "RASA_API_TOKEN_FILE" in missing.stderr
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.ops.rasa_server",
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
        ],
        cwd=PROJECT_ROOT,
        env={**env, "RASA_API_TOKEN_FILE": str(secret)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc=proc)
        assert requests.get(f"http://127.0.0.1:{port}/status", timeout=10).status_code == 401
        ok = requests.get(f"http://127.0.0.1:{port}/status", params={"token": "t" * 40}, timeout=10)
        assert ok.status_code in (200, 409), ok.text  # 409: a model still loading is no auth problem
    finally:
        terminate(proc, timeout=20)
