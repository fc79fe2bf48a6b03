"""Train only when something the model is built from has changed.

The fingerprint covers training data, the domain (including the responses
generated from knowledge/replies.yml), config and the knowledge the model is
built from. A matching fingerprint next to an existing model means `make run`
starts at once.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List, Optional

from bot import PROJECT_ROOT

MODEL_DIR = PROJECT_ROOT / "models"
STAMP = MODEL_DIR / ".inputs.sha256"
# knowledge/terms.yml shapes the spaCy features; the rest of knowledge/ (answers,
# contacts, escalation rules, SMS wording) is read at run time and needs no retraining.
# The custom graph components' signatures decide what the trained graph passes
# them (EscalationDetector.process takes the tracker), so their code counts too;
# the language of each training example (bot/core/language.py, knowledge/language.yml)
# decides how LanguageTokens writes its words.
INPUTS = (
    "data",
    "domain",
    "config.yml",
    "knowledge/terms.yml",
    "knowledge/language.yml",
    "bot/core/language.py",
    "bot/rasa/escalation_component.py",
    "bot/rasa/understanding_component.py",
    "bot/rasa/language_component.py",
)


def _files(paths: Iterable[str]) -> List[Path]:
    found = []
    for name in paths:
        path = PROJECT_ROOT / name
        found.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return found


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in _files(INPUTS):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def latest_model() -> Optional[Path]:
    models = sorted(MODEL_DIR.glob("*.tar.gz"), key=os.path.getmtime)
    return models[-1] if models else None


def train(force: bool = False) -> bool:
    """Run `rasa train` if needed; returns True when a model was trained."""
    current, model = fingerprint(), latest_model()
    if not force and model and STAMP.exists() and STAMP.read_text().strip() == current:
        print(f"Model is up to date: {model.name}")
        return False
    rasa = str(Path(sys.executable).with_name("rasa"))
    subprocess.run(
        [rasa, "train", "--domain", "domain", "--out", str(MODEL_DIR), "--fixed-model-name", f"pump-{current[:12]}"],
        cwd=PROJECT_ROOT,
        check=True,
    )
    STAMP.write_text(current + "\n")
    return True
