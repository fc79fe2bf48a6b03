"""The Rasa server serves this project's model without loading TensorFlow (bot/ops/tensorflow_free.py),
and keeps it for any model that needs it."""

import io
import json
import os
import subprocess
import sys
import tarfile
import time

from bot import PROJECT_ROOT
from bot.ops.tensorflow_free import needs_tensorflow, served_model


def test_the_served_bot_has_no_tensorflow_in_memory_and_says_so(stack):
    maps = open(f"/proc/{stack.proc.pid}/maps").read()
    assert "tensorflow" not in maps, "a TensorFlow library is mapped into the Rasa server"
    assert "pywrap_tensorflow" not in maps
    log = next(stack.workdir.glob(f"rasa-{stack.port}.log")).read_text()
    assert "TensorFlow not loaded (" in log
    # and it answers, escalates and recognises a topic as before
    [reply] = stack.say("what is the saline week", sender="tf-free")
    assert "saline" in reply["text"].lower()
    [reply] = stack.say("she wont wake up and her sugar is 40", sender="tf-free-2")
    assert reply["text"].startswith("Call 911 now.")


def archive(tmp_path, name, uses, mtime=None):
    path = tmp_path / name
    metadata = json.dumps({"predict_schema": {"nodes": {f"n{i}": {"uses": u} for i, u in enumerate(uses)}}}).encode()
    with tarfile.open(path, "w:gz") as tar:
        # A component's own "...metadata.json" comes first in real archives (DIET's is a list).
        for name, body in (("components/train_X/X.data_example_metadata.json", b"[]"), ("metadata.json", metadata)):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    if mtime:
        os.utime(path, (mtime, mtime))
    return path


def test_a_model_with_a_neural_component_keeps_tensorflow(tmp_path):
    ours = archive(tmp_path, "ours.tar.gz", ["rasa.nlu.tokenizers.spacy_tokenizer.SpacyTokenizer", "bot.rasa.x.Y"])
    diet = archive(tmp_path, "diet.tar.gz", ["rasa.nlu.classifiers.diet_classifier.DIETClassifier"])
    assert needs_tensorflow(ours) == []
    assert needs_tensorflow(diet) == ["rasa.nlu.classifiers.diet_classifier.DIETClassifier"]
    empty = archive(tmp_path, "empty.tar.gz", [])
    assert needs_tensorflow(empty) == ["(no prediction graph in metadata.json)"]  # doubt keeps TensorFlow


def test_the_model_checked_is_the_one_rasa_loads(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    archive(models, "old.tar.gz", ["x"])
    time.sleep(0.05)
    newest = archive(models, "new.tar.gz", ["y"])
    assert served_model(["--model", str(models)]) == newest
    assert served_model([f"--model={newest}"]) == newest
    assert served_model(["--model", str(tmp_path / "missing.tar.gz")]) is None


def decide(argv, **env):
    code = (
        "import sys; from bot.ops.tensorflow_free import keep_out; print(keep_out(sys.argv[1:]));"
        "import rasa.core.agent; import tensorflow; print(type(tensorflow).__name__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split("\n")[:2]


def test_tensorflow_stays_out_only_for_a_model_that_uses_none(tmp_path):
    from bot.ops.training import latest_model

    ours, diet = latest_model(), archive(tmp_path, "diet.tar.gz", ["rasa.core.policies.ted_policy.TEDPolicy"])
    said, module = decide(["--model", str(ours)])
    assert said.startswith("TensorFlow not loaded") and module == "_StandInModule"
    said, module = decide(["--model", str(diet)])
    assert "TEDPolicy" in said and module == "module"
    said, module = decide(["--model", str(ours)], TENSORFLOW="load")
    assert said == "TensorFlow loaded (TENSORFLOW=load)" and module == "module"
