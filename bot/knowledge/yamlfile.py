"""Reading knowledge YAML files and checking their shape, with errors that name the spot."""
from pathlib import Path
from typing import Any, Dict, Iterable, Optional

import yaml

from bot.knowledge.errors import KnowledgeError


def read_mapping(path: Path, top_key: str) -> Any:
    """Return the value under `top_key` of a YAML file whose only key is `top_key`."""
    if not path.is_file():
        raise KnowledgeError(path, "file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(path, f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or top_key not in data:
        raise KnowledgeError(path, f"expected a top-level '{top_key}:' key", field=top_key)
    check_keys(data, {top_key}, set(), path, None)
    return data[top_key]


def check_keys(
    entry: Dict[str, Any],
    required: Iterable[str],
    optional: Iterable[str],
    path: Path,
    topic: Optional[str],
) -> None:
    """Reject unknown keys (usually typos) and missing required ones."""
    required, allowed = set(required), set(required) | set(optional)
    for key in entry:
        if key not in allowed:
            raise KnowledgeError(
                path, f"unknown key (allowed: {', '.join(sorted(allowed))})", topic, str(key)
            )
    for key in sorted(required):
        if key not in entry or entry[key] is None:
            raise KnowledgeError(path, "missing required field", topic, key)


def text_field(entry: Dict[str, Any], key: str, path: Path, topic: Optional[str]) -> str:
    """A required non-empty string field, with whitespace folded."""
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(path, "must be a non-empty text", topic, key)
    # YAML's folded style (>-) already joined wrapped lines; a line break that is
    # left was meant (e.g. "Call 911 now." on a line of its own), so keep it.
    return "\n".join(" ".join(line.split()) for line in value.strip().splitlines())
