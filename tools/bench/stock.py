"""The stock Rasa bot (`rasa init`, default config) as the baseline, trained and served like ours.

`rasa init --no-prompt` copies Rasa's starter project and trains it in one go
(it cannot be told not to train), so the time of that command is the stock
bot's training time: the copy takes milliseconds, and the training is the same
`rasa.train(domain, config, data)` that `rasa train` runs.

Its action server runs its own `actions` package (the starter one, with no
custom action), started from the stock project folder: `rasa run actions` puts
its working folder first on sys.path. Its rules and stories only use utter_
responses, so the action server is started and wired but never called.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Dict, Optional, Tuple

import yaml

from bot import PROJECT_ROOT
from tools.stack.servers import RASA

CACHE_DIR = PROJECT_ROOT / "results" / "cache" / "stock-bot"
TRAIN_TIMEOUT = 600

# Messages of the kind the starter bot knows (greet, mood, affirm/deny, bot challenge, goodbye).
STOCK_MESSAGES = [
    "hi",
    "I am sad",
    "yes",
    "bye",
    "hello there",
    "I am feeling great",
    "no",
    "are you a bot?",
    "good morning",
    "very sad",
    "not really",
    "see you later",
    "hey",
    "I am amazing",
    "of course",
    "am I talking to a human?",
    "good evening",
    "unhappy",
    "that sounds good",
    "goodbye",
]


def _rasa_version() -> str:
    import rasa

    return rasa.__version__


def stock_model(project: Path) -> Optional[Path]:
    models = sorted((project / "models").glob("*.tar.gz"), key=os.path.getmtime)
    return models[-1] if models else None


def create_and_train(project: Path, env: Dict[str, str], log: Path) -> float:
    """`rasa init --no-prompt --init-dir project` (creates and trains); returns its wall-clock seconds."""
    project.mkdir(parents=True, exist_ok=True)
    env = dict(env, RASA_CACHE_DIRECTORY=str(project / ".rasa" / "cache"))
    started = time.perf_counter()
    with open(log, "w") as out:
        subprocess.run(
            [RASA, "init", "--no-prompt", "--init-dir", str(project)],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=TRAIN_TIMEOUT,
        )
    seconds = time.perf_counter() - started
    if stock_model(project) is None:
        raise RuntimeError(f"`rasa init` in {project} left no model; see {log}")
    return seconds


def prepare(workdir: Path, env: Dict[str, str], reuse_cache: bool) -> Tuple[Path, Optional[float]]:
    """The stock project (trained) and its training seconds, None when a cached one was reused.

    Without reuse_cache it is always created and trained afresh in workdir, then
    copied to the cache for the next `--quick` run.
    """
    stamp = CACHE_DIR / ".rasa-version"
    if reuse_cache and stock_model(CACHE_DIR) and stamp.exists() and stamp.read_text().strip() == _rasa_version():
        return CACHE_DIR, None
    project = workdir / "stock-bot"
    seconds = create_and_train(project, env, workdir / "stock-train.log")
    shutil.rmtree(CACHE_DIR, ignore_errors=True)
    shutil.copytree(project, CACHE_DIR, ignore=shutil.ignore_patterns(".rasa"))
    stamp.write_text(_rasa_version() + "\n")
    return project, seconds


def endpoints_extra(project: Path) -> dict:
    """Endpoint overrides turning our endpoints.yml into the stock bot's.

    Every store, broker and NLG of ours is switched off (null = Rasa's default:
    in-memory tracker and lock store, template NLG, no broker), then whatever the
    stock endpoints.yml sets (nothing but comments, as shipped) is applied.
    """
    ours = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text()) or {}
    extra = {key: None for key in ours if key != "action_endpoint"}
    stock = yaml.safe_load((project / "endpoints.yml").read_text()) or {}
    extra.update({key: value for key, value in stock.items() if key != "action_endpoint"})
    return extra
