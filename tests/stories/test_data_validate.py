"""`rasa data validate` passes with no warnings (unused intents, responses, conflicts...)."""

import os
import subprocess
import sys
from pathlib import Path

from bot import PROJECT_ROOT


def test_rasa_data_validate_reports_no_warnings():
    rasa = str(Path(sys.executable).with_name("rasa"))
    proc = subprocess.run(
        [rasa, "data", "validate", "--domain", "domain", "--fail-on-warnings"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    rasa_warnings = [line for line in output.splitlines() if "UserWarning" in line and "rasa" in line]
    assert not rasa_warnings, rasa_warnings
