"""Domain terms for the spaCy entity ruler (knowledge/terms.yml)."""

from pathlib import Path
from typing import Dict, List

from bot.core.knowledge.shape import Shape


def load_terms(path: Path) -> Dict[str, List[str]]:
    s = Shape(path)
    raw = s.document("terms")
    if not isinstance(raw, dict) or not raw:
        raise s.error("terms", "must map each term to its spellings")
    return {term: list(s.strings(spellings, str(term))) for term, spellings in raw.items()}
