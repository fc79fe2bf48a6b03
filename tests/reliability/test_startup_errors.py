"""A store that cannot be used stops the start with a message naming it, never a silent bot.

Left alone, Rasa 3.6 would start anyway in two of these cases: its
SQLTrackerStore only logs that it could not create its tables and then keeps
conversations in memory (FailSafeTrackerStore), and with SANIC_WORKERS > 1 and
a custom lock store it would give every worker its own in-memory locks.
"""

import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Tuple

import pytest
import requests

from bot import PROJECT_ROOT
from tools.stack.servers import RasaServer, base_env, free_port

START_LIMIT = 120  # seconds; a failed start takes about 10 s here


def closed_port() -> int:
    return free_port()  # nothing listens there


def rasa_start(workdir: Path, env_extra: Dict[str, str]) -> Tuple[int, str]:
    """Start `rasa run` with these settings; its exit code and output once it stopped.

    Fails the test at once if the server comes up instead."""
    env = base_env(workdir, env_extra)
    server = RasaServer(workdir, env, action_url=f"http://127.0.0.1:{closed_port()}/webhook", wait=False)
    deadline = time.time() + START_LIMIT
    try:
        while server.proc.poll() is None:
            try:
                status = requests.get(f"{server.url}/webhooks/rest/", timeout=2)
                pytest.fail(f"Rasa started (status {status.status_code}) with {env_extra}")
            except requests.RequestException:
                pass
            if time.time() > deadline:
                pytest.fail(f"Rasa neither started nor stopped in {START_LIMIT} s with {env_extra}")
            time.sleep(0.5)
    finally:
        server.stop()
    output = Path(server.log.name).read_text(errors="replace")
    return server.proc.returncode, output


def bot_serve(workdir: Path, env_extra: Dict[str, str]) -> Tuple[int, str]:
    """`python -m bot serve` (bot.ops.serve.serve) on free ports; its exit code and output."""
    rasa_port, action_port = free_port(), free_port()
    code = (
        "import functools, sys, bot.ops.serve as s; "
        f"s.commands = functools.partial(s.commands, action_port={action_port}, web_port=None); "
        f"sys.exit(s.serve(rasa_port={rasa_port}))"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=PROJECT_ROOT,
            env=base_env(workdir, env_extra),
            capture_output=True,
            text=True,
            timeout=START_LIMIT,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"`python -m bot serve` was still running after {START_LIMIT} s with {env_extra}: {exc.stdout}")
    return result.returncode, result.stdout + result.stderr


def report(case: str, code: int, output: str, needle: str) -> None:
    line = next((x.strip() for x in output.splitlines() if needle in x), "(no line names it)")
    print(f"\n[start] {case}: exit code {code}; {line[:240]}")


def test_unreachable_app_database_stops_the_rasa_server(tmp_path):
    url = f"postgresql://pump:s3cret@127.0.0.1:{closed_port()}/pump_app"
    code, output = rasa_start(tmp_path, {"APP_DATABASE_URL": url})
    report("rasa run, app database unreachable", code, output, "APP_DATABASE_URL")
    assert code != 0
    assert "cannot use the app database at postgresql://pump:***@127.0.0.1" in output
    assert "APP_DATABASE_URL" in output and "Connection refused" in output
    assert "s3cret" not in output


def test_unreachable_app_database_stops_bot_serve(tmp_path):
    url = f"postgresql://pump:s3cret@127.0.0.1:{closed_port()}/pump_app"
    code, output = bot_serve(tmp_path, {"APP_DATABASE_URL": url})
    report("python -m bot serve, app database unreachable", code, output, "APP_DATABASE_URL")
    assert code != 0
    assert "cannot use the app database at postgresql://pump:***@127.0.0.1" in output
    # The first server to find it (Rasa, or the staff page) exits, and serve stops the others.
    assert "rasa server exited" in output or "staff page exited" in output
    assert "s3cret" not in output


@pytest.mark.parametrize("where", ["closed port", "missing database"])
def test_unusable_tracker_store_stops_the_rasa_server(tmp_path, postgres_service, where):
    if where == "closed port":
        url, reason = f"postgresql://pump:s3cret@127.0.0.1:{closed_port()}/pump_tracker", "Connection refused"
    else:
        url, reason = postgres_service.url("no_such_database"), 'database "no_such_database" does not exist'
    code, output = rasa_start(tmp_path, {"TRACKER_STORE_URL": url})
    report(f"rasa run, tracker store {where}", code, output, "TRACKER_STORE_URL")
    assert code != 0
    assert "TrackerStoreUnavailable: cannot use the tracker store at postgresql://" in output
    assert "(TRACKER_STORE_URL)" in output and reason in output
    assert "s3cret" not in output


def test_unreachable_lock_store_stops_the_rasa_server(tmp_path):
    url = f"redis://:s3cret@127.0.0.1:{closed_port()}/0"
    code, output = rasa_start(tmp_path, {"LOCK_STORE_URL": url})
    report("rasa run, lock store unreachable", code, output, "LOCK_STORE_URL")
    assert code != 0
    assert "cannot use the lock store at redis://:***@127.0.0.1" in output
    assert "(LOCK_STORE_URL)" in output and "Connection refused" in output
    assert "s3cret" not in output


def test_several_workers_without_a_shared_lock_store_are_refused(tmp_path):
    env = {"SANIC_WORKERS": "2", "LOCK_STORE_URL": ""}
    code, output = rasa_start(tmp_path, env)
    report("rasa run, SANIC_WORKERS=2 without LOCK_STORE_URL", code, output, "needs a shared lock store")
    # Sanic 21.12 runs several workers as child processes and exits 0 when they all
    # failed, so only the message tells; `python -m bot serve` turns any exit into a failure.
    assert "SANIC_WORKERS=2 needs a shared lock store: set LOCK_STORE_URL" in output
    code, output = bot_serve(tmp_path, env)
    report("python -m bot serve, SANIC_WORKERS=2 without LOCK_STORE_URL", code, output, "needs a shared lock store")
    assert code != 0
    assert "SANIC_WORKERS=2 needs a shared lock store" in output
