"""Test stories through `rasa test core --fail-on-prediction-errors` on the trained model."""

import subprocess
import sys
from pathlib import Path

from bot import PROJECT_ROOT
from bot.ops.training import latest_model


def test_conversation_stories_predict_every_action(tmp_path):
    rasa = str(Path(sys.executable).with_name("rasa"))
    proc = subprocess.run(
        [
            rasa,
            "test",
            "core",
            "--model",
            str(latest_model()),
            "--stories",
            "tests/stories",
            "--endpoints",
            "endpoints.yml",
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={
            **__import__("os").environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
            "APP_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        },
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = tmp_path / "story_report.json"
    assert report.exists()
