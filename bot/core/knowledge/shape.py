"""Checking knowledge YAML files, naming the file, the topic and the field of a mistake.

The one checker of every knowledge/ file: one `Shape` per file; every check
raises KnowledgeError with the file, the topic where there is one, and the
dotted field ("rules[3].level", "concepts.seizure.patterns[2]") so staff can
find a mistake without reading Python. `placeholders` is the one check of
{placeholders} in texts.
"""

import re
import string
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Pattern, Set, Tuple, Union

import yaml

from bot.core.knowledge.errors import KnowledgeError


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
        self.path = Path(path)
        self.file = str(path)

    def error(self, field: str, message: str, topic: Optional[str] = None) -> KnowledgeError:
        return KnowledgeError(self.file, message, topic, field or None)

    def document(self, top_key: str) -> Any:
        """The value under `top_key` of a file whose only key is `top_key`."""
        if not self.path.is_file():
            raise KnowledgeError(self.file, "file not found")
        data = load_yaml(self.path)
        if not isinstance(data, dict) or top_key not in data:
            raise self.error(top_key, f"expected a top-level '{top_key}:' key")
        self.mapping(data, "", (top_key,))
        return data[top_key]

    def mapping(
        self,
        value: Any,
        field: str,
        required: Iterable[str] = (),
        optional: Optional[Iterable[str]] = (),
        topic: Optional[str] = None,
    ) -> Dict[str, Any]:
        """A mapping with exactly these keys (`optional` None: any other key allowed)."""
        if not isinstance(value, dict):
            raise self.error(field, f"expected a mapping, got {type(value).__name__}", topic)
        required = tuple(required)
        prefix = f"{field}." if field else ""
        if optional is not None:
            allowed = set(required) | set(optional)
            for key in value:
                if key not in allowed:
                    raise self.error(
                        prefix + str(key), f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})", topic
                    )
        for key in required:
            if value.get(key) is None:
                raise self.error(prefix + key, "missing required field", topic)
        return value

    def text(self, value: Any, field: str, topic: Optional[str] = None) -> str:
        """A non-empty text, spaces folded; a line break that is left was meant, so it stays."""
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, f"must be a non-empty text, got {value!r}", topic)
        return "\n".join(" ".join(line.split()) for line in value.strip().splitlines())

    def names(self, text: str, field: str, topic: Optional[str] = None) -> Set[str]:
        """The {names} a text uses; a stray brace is a mistake."""
        try:
            return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:  # a lone "{" or "}"
            raise self.error(field, f"bad braces: {exc} (write {{{{ or }}}} for a literal brace)", topic) from exc

    def placeholders(self, text: str, allowed: Iterable[str], field: str, topic: Optional[str] = None) -> Set[str]:
        """The {names} a text uses; an unknown name or a stray brace is a mistake."""
        allowed = tuple(allowed)
        names = self.names(text, field, topic)
        for name in sorted(names):
            if name not in allowed:
                raise self.error(field, f"unknown placeholder {{{name}}} (allowed: {', '.join(allowed)})", topic)
        return names

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
