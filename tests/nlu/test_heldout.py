"""Intent accuracy on phrasings the model never saw (tests/nlu/heldout*.yml).

heldout.yml was written with the training data; heldout_fresh.yml and
heldout_third.yml were written afterwards by people who never read the training
data (the third one also after the last change to the training data).
"""

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot import PROJECT_ROOT
from tools.eval.nlu_heldout import HELDOUT, evaluate

# Regression guards, a little under the measured 98.4%, 93.1% and 97.2%: the target for
# families' own words is 95% (see the README for the current figures).
MIN_ACCURACY = {"heldout.yml": 0.96, "heldout_fresh.yml": 0.92, "heldout_third.yml": 0.95}


def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch == " ").strip()


HELDOUT_SETS = [HELDOUT, HELDOUT.with_name("heldout_fresh.yml"), HELDOUT.with_name("heldout_third.yml")]


@pytest.mark.parametrize("path", HELDOUT_SETS, ids=lambda p: p.name)
def test_heldout_set_is_large_and_never_trained_on(path):
    heldout = load_data(str(path)).intent_examples
    trained = {_norm(e.get("text")) for e in load_data(str(PROJECT_ROOT / "data/nlu")).intent_examples}
    assert len(heldout) >= 100
    overlap = [e.get("text") for e in heldout if _norm(e.get("text")) in trained]
    assert not overlap, f"held-back phrasings also in training data: {overlap}"


@pytest.mark.parametrize("path", HELDOUT_SETS, ids=lambda p: p.name)
def test_heldout_intent_accuracy(record_property, path):
    result = evaluate(path=path)
    record_property("heldout_accuracy", result.accuracy)
    print(f"\nheld-back NLU accuracy on {path.name}: {result.correct}/{result.total} = {result.accuracy:.1%}")
    for text, expected, got, conf in result.errors:
        print(f"  {expected} -> {got} ({conf:.2f}): {text}")
    assert result.accuracy >= MIN_ACCURACY[path.name]
    # Safety: no held-back emergency or clinic message may come out un-escalated.
    missed = [e for e in result.errors if e[1].startswith("escalate_") and not e[2].startswith("escalate_")]
    assert not missed, missed
