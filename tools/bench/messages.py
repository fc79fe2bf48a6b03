"""The fixed message mix for our bot, and conversations built from a mix.

Families' own phrasings of topic questions from the held-back test set
(tests/nlu/heldout_fresh.yml, never trained on), picked with a fixed seed, plus
a few escalations (served by the Rasa server itself, and recorded by the audit
broker) so the mix matches what the clinic sees: mostly topic questions.
"""

import random
from typing import List, Sequence

import yaml

from bot import PROJECT_ROOT

HELDOUT = PROJECT_ROOT / "tests" / "nlu" / "heldout_fresh.yml"
TOPIC_QUESTIONS = 40
ESCALATIONS = 4


def _examples(block: dict) -> List[str]:
    return [line[2:].strip() for line in block["examples"].splitlines() if line.strip().startswith("- ")]


def pump_messages() -> List[str]:
    nlu = yaml.safe_load(HELDOUT.read_text())["nlu"]
    topics = [text for block in nlu if block["intent"].startswith("ask_") for text in _examples(block)]
    escalations = [text for block in nlu if block["intent"].startswith("escalate_") for text in _examples(block)]
    rng = random.Random(20240501)
    mix = rng.sample(topics, min(TOPIC_QUESTIONS, len(topics)))
    # Spread the escalations through the mix rather than bunching them at the end.
    for i, text in enumerate(rng.sample(escalations, min(ESCALATIONS, len(escalations)))):
        mix.insert((i + 1) * len(mix) // (ESCALATIONS + 1), text)
    return mix


def conversations(mix: Sequence[str], count: int, length: int) -> List[List[str]]:
    """count conversations of length messages; conversation i starts at a different place in the mix."""
    step = max(1, len(mix) // 7) if len(mix) > 7 else 1
    return [[mix[(i * step + j) % len(mix)] for j in range(length)] for i in range(count)]
