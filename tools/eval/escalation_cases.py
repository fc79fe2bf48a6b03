"""Benchmark the detector on tests/escalation/cases.yml.

    .venv/bin/python -m tools.eval.escalation_cases [-v] [cases.yml]

Prints total cases, recall per level (emergency must come out emergency;
clinic must come out clinic or emergency), how many "none" cases were
wrongly escalated, and the time per message. -v lists every miss.
"""

import sys
import time
from pathlib import Path
from typing import Dict, List

import yaml

from bot import PROJECT_ROOT
from bot.core.escalation import assess, load_rules
from bot.core.escalation.levels import RANK

DEFAULT_CASES = PROJECT_ROOT / "tests" / "escalation" / "cases.yml"


def load_cases(path: Path = DEFAULT_CASES) -> List[Dict]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))["cases"]


def ok(expected: str, got: str) -> bool:
    """Recall: at least the expected level (emergency exactly, clinic or above)."""
    return RANK[got] >= RANK[expected]


def main(argv: List[str]) -> int:
    verbose = "-v" in argv
    paths = [a for a in argv if a != "-v"]
    cases = load_cases(Path(paths[0]) if paths else DEFAULT_CASES)
    rules = load_rules()
    results, start = [], time.perf_counter()
    for _ in range(20):  # repeat so per-message time is not timer noise
        results = [assess(c["text"], rules) for c in cases]
    per_msg_us = (time.perf_counter() - start) / (20 * len(cases)) * 1e6

    print(f"total cases: {len(cases)}")
    misses = []
    for level in ("emergency", "clinic"):
        idx = [i for i, c in enumerate(cases) if c["level"] == level]
        hit = [i for i in idx if ok(level, results[i].level)]
        misses += [i for i in idx if i not in hit]
        print(f"{level} recall: {len(hit)}/{len(idx)} = {len(hit) / max(len(idx), 1):.1%}")
    nones = [i for i, c in enumerate(cases) if c["level"] == "none"]
    over = [i for i in nones if results[i].level != "none"]
    print(f"none cases wrongly escalated: {len(over)}/{len(nones)}")
    print(f"time per message: {per_msg_us:.0f} us")
    if verbose:
        for i in misses + over:
            r = results[i]
            print(f"  [{cases[i]['level']} -> {r.level}] {cases[i]['text']!r}  {r.reasons}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
