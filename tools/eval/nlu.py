"""`make evaluate`: NLU cross-validation with per-intent F1, then the held-back accuracy."""

import json
import os
import subprocess
import sys
from pathlib import Path

from bot import PROJECT_ROOT

OUT = PROJECT_ROOT / "results" / "cross-validation"


def main(folds: int = 5) -> int:
    rasa = str(Path(sys.executable).with_name("rasa"))
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    subprocess.run(
        [
            rasa,
            "test",
            "nlu",
            "--nlu",
            "data/nlu",
            "--config",
            "config.yml",
            "--cross-validation",
            "--folds",
            str(folds),
            "--out",
            str(OUT),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
    )
    report = json.loads((OUT / "intent_report.json").read_text())
    rows = sorted(
        (v["f1-score"], name, v["support"])
        for name, v in report.items()
        if isinstance(v, dict) and "f1-score" in v and name not in ("macro avg", "weighted avg", "micro avg")
    )
    print(f"\n{folds}-fold cross-validation, per-intent F1 (lowest first):")
    for f1, name, support in rows:
        print(f"  {name:<32} F1 {f1:.3f}  (n={support})")
    print(f"  {'accuracy':<32} {report.get('accuracy', report.get('micro avg', {}).get('f1-score', 0)):.3f}")
    print(f"  {'weighted avg F1':<32} {report['weighted avg']['f1-score']:.3f}")

    from tools.eval.nlu_heldout import HELDOUT, evaluate

    for path in (HELDOUT, HELDOUT.with_name("heldout_fresh.yml"), HELDOUT.with_name("heldout_third.yml")):
        held = evaluate(path=path)
        print(f"held-back NLU accuracy on {path.name}: {held.correct}/{held.total} = {held.accuracy:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
