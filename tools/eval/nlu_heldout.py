"""Held-back NLU accuracy: parse every phrasing of tests/nlu/heldout.yml with the trained model."""

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.log_utils import configure_structlog

from bot import PROJECT_ROOT
from bot.ops.training import latest_model

HELDOUT = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"

# Predictions that give the family the same reply as the labelled intent count as
# correct: a dose question escalated to the clinic gets the diabetes team's
# number either way, and out-of-scope and low-confidence both say "I can't
# answer that here" with the clinic contact.
EQUIVALENT = {
    ("ask_dose_or_settings_advice", "escalate_clinic"),
    ("out_of_scope", "nlu_fallback"),
    ("out_of_scope", "not_covered"),
}
# Labelled with a topic before issue 13; the two documents do not answer them (brands,
# prices, airport security, how often to change a site, water), so the honest answer
# is now "not in our materials".
POLICY_NOT_COVERED = {
    "is omnipod or tandem better for my daughter",
    "how much do pumps cost",
    "can you go through tsa with an insulin pump",
    "can he go through airport security with the pump",
    "does the pump go thru airport security ok",
    "how often should we change infusion sets and rotate sites",
    "how often should we change her infusion set and site",
    "theres so many brands, which pump is best for a 10 year old girl who does gymnastics",
    "does she wear it in the shower and to bed",
}


@dataclass
class HeldoutResult:
    total: int = 0
    correct: int = 0
    errors: List[Tuple[str, str, str, float]] = field(default_factory=list)  # text, expected, got, conf
    per_intent: Counter = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


async def _evaluate(model: Path, path: Path) -> HeldoutResult:
    configure_structlog(logging.WARNING)  # else every parse is printed at debug level
    agent = Agent.load(str(model))
    result = HeldoutResult()
    for example in load_data(str(path)).intent_examples:
        expected = example.get("intent")
        if example.get("text") in POLICY_NOT_COVERED:
            expected = "not_covered"
        parsed = await agent.parse_message(example.get("text"))
        got, conf = parsed["intent"]["name"], parsed["intent"]["confidence"]
        result.total += 1
        result.per_intent[expected] += 1
        if got == expected or (expected, got) in EQUIVALENT:
            result.correct += 1
        else:
            result.errors.append((example.get("text"), expected, got, conf))
    return result


def evaluate(model: Optional[Path] = None, path: Path = HELDOUT) -> HeldoutResult:
    return asyncio.run(_evaluate(model or latest_model(), path))


if __name__ == "__main__":
    res = evaluate()
    print(f"held-back NLU accuracy: {res.correct}/{res.total} = {res.accuracy:.1%}")
    for text, expected, got, conf in res.errors:
        print(f"  {expected} -> {got} ({conf:.2f}): {text}")
