"""Checking the shape of a parsed knowledge YAML file, naming file and field.

One `Shape` per file; every check raises KnowledgeError with the file and the
dotted field ("rules[3].level", "concepts.seizure.patterns[2]") so staff can
find a mistake without reading Python.
"""
import re
from pathlib import Path
from typing import Any, Dict, Iterable, Pattern, Tuple, Union

import yaml

from bot.knowledge.errors import KnowledgeError


def load_yaml(path: Union[str, Path]) -> Any:
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KnowledgeError(path, f"cannot read file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(path, f"invalid YAML: {exc}") from exc


class Shape:
    def __init__(self, path: Union[str, Path]) -> None:
        self.file = str(path)

    def error(self, field: str, message: str) -> KnowledgeError:
        return KnowledgeError(self.file, message, field=field or None)

    def mapping(self, value: Any, field: str, required: Iterable[str] = (),
                optional: Iterable[str] = ()) -> Dict[str, Any]:
        """A mapping with exactly these keys (`optional` None: any other key allowed)."""
        if not isinstance(value, dict):
            raise self.error(field, f"expected a mapping, got {type(value).__name__}")
        required = tuple(required)
        prefix = f"{field}." if field else ""
        if optional is not None:
            allowed = set(required) | set(optional)
            for key in value:
                if key not in allowed:
                    raise self.error(prefix + str(key), f"unknown key '{key}'")
        for key in required:
            if key not in value:
                raise self.error(prefix + key, "missing required field")
        return value

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, f"expected a non-empty text, got {value!r}")
        return " ".join(value.split())

    def number(self, value: Any, field: str) -> float:
        # bool is an int subclass; "70" in quotes is a typo worth catching.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(field, f"expected a number, got {value!r}")
        return float(value)

    def whole(self, value: Any, field: str, minimum: int = 0) -> int:
        number = self.number(value, field)
        if number != int(number) or number < minimum:
            raise self.error(field, f"expected a whole number of at least {minimum}, got {value!r}")
        return int(number)

    def strings(self, value: Any, field: str, empty_ok: bool = False) -> Tuple[str, ...]:
        """A list of non-empty strings, whitespace folded."""
        if not isinstance(value, list):
            raise self.error(field, f"expected a list, got {type(value).__name__}")
        if not value and not empty_ok:
            raise self.error(field, "list must not be empty")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.error(f"{field}[{i}]", f"expected a non-empty string, got {item!r}")
            out.append(" ".join(item.split()))
        return tuple(out)

    def regexes(self, value: Any, field: str) -> Tuple[Pattern, ...]:
        out = []
        for i, item in enumerate(self.strings(value, field)):
            try:
                out.append(re.compile(item, re.IGNORECASE))
            except re.error as exc:
                raise self.error(f"{field}[{i}]", f"invalid pattern {item!r}: {exc}") from exc
        return tuple(out)

    def choice(self, value: Any, field: str, choices: Iterable[str]) -> str:
        choices = tuple(choices)
        if value not in choices:
            raise self.error(field, f"must be one of {', '.join(choices)}, got {value!r}")
        return value
