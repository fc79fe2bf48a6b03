"""Phrased cases in cases.yml: 100% recall of emergency and clinic.

"none" cases that escalate are not failures (safety first); the benchmark
`python -m tools.eval.escalation_cases` counts them.
"""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.core.escalation import assess
from tools.eval import escalation_cases as bench

CASES = yaml.safe_load((Path(__file__).parent / "cases.yml").read_text(encoding="utf-8"))["cases"]


def _ids(cases):
    return [f"{i}:{c['text'][:40]}" for i, c in enumerate(cases)]


def test_case_file_shape_and_size():
    counts = Counter(c["level"] for c in CASES)
    assert set(counts) == {"emergency", "clinic", "none"}
    assert len(CASES) >= 150
    assert counts["emergency"] >= 40 and counts["clinic"] >= 60 and counts["none"] >= 50
    assert all(set(c) <= {"text", "level", "unit_unclear"} and c["text"].strip() for c in CASES)
    texts = [c["text"] for c in CASES]
    assert len(texts) == len(set(texts)), "duplicate case"


EMERGENCY = [c for c in CASES if c["level"] == "emergency"]
CLINIC = [c for c in CASES if c["level"] == "clinic"]


@pytest.mark.parametrize("case", EMERGENCY, ids=_ids(EMERGENCY))
def test_emergency_recall(case):
    a = assess(case["text"])
    assert a.level == "emergency", a.reasons
    assert a.reasons


@pytest.mark.parametrize("case", CLINIC, ids=_ids(CLINIC))
def test_clinic_recall(case):
    a = assess(case["text"])
    assert a.level in ("clinic", "emergency"), a.reasons
    assert a.reasons
    if "unit_unclear" in case:
        assert a.unit_unclear is case["unit_unclear"]


def test_bench_prints_counts(capsys):
    assert bench.main([]) == 0
    out = capsys.readouterr().out
    for line in (
        "total cases:",
        "emergency recall:",
        "clinic recall:",
        "none cases wrongly escalated:",
        "time per message:",
    ):
        assert line in out
