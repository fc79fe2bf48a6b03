"""Domain terms for the spaCy entity ruler (knowledge/terms.yml)."""
from pathlib import Path
from typing import Dict, List

from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import read_mapping


def load_terms(path: Path) -> Dict[str, List[str]]:
    raw = read_mapping(path, "terms")
    if not isinstance(raw, dict) or not raw:
        raise KnowledgeError(path, "must map each term to its spellings", field="terms")
    for term, spellings in raw.items():
        if not isinstance(spellings, list) or not spellings or not all(
            isinstance(s, str) and s.strip() for s in spellings
        ):
            raise KnowledgeError(path, "must be a non-empty list of spellings", field=str(term))
    return raw
