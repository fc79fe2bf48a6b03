"""Load and validate knowledge/escalation.yml into a ready-to-use Rules object.

Every problem raises KnowledgeError naming the file and the dotted field, so
clinic staff editing the YAML can find the mistake without reading Python.
Nothing medical is written here: only the shape the YAML must have.
"""
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Pattern, Tuple, Union

import yaml

from bot import KNOWLEDGE_DIR
from bot.knowledge.errors import KnowledgeError

DEFAULT_PATH = KNOWLEDGE_DIR / "escalation.yml"
LEVELS = ("emergency", "clinic")
# Signals the readings finder supplies; YAML rules may use them by name.
DERIVED_SIGNALS = ("reading_low", "reading_high", "meter_hi", "meter_lo", "unit_unclear")
# Signals Python reads directly (Assessment.pump_failure).
REQUIRED_SIGNALS = ("pump_failure",)

_SCHEMA: Dict[str, Dict[str, str]] = {
    "units": {"mmol_to_mgdl": "number", "mgdl": "words", "mgdl_weak": "words", "mmol": "words"},
    "thresholds": {k: "number" for k in (
        "low_mgdl", "high_mgdl", "ambiguous_min", "ambiguous_max",
        "mmol_max", "age_max", "window_words")},
    "readings": {
        **{k: "words" for k in (
            "glucose_words", "subject_words", "thing_subjects", "link_words", "filler_words", "at_words",
            "verb_words", "verb_followers", "below_words", "above_words",
            "not_after", "not_before", "blockers")},
        **{k: "regexes" for k in ("defuse", "meter_hi", "meter_lo")},
    },
    # Reasons shown when only the NLU classifier saw an emergency or concern.
    "classifier_reasons": {level: "text" for level in LEVELS},
}
_TOP = ("units", "thresholds", "readings", "classifier_reasons", "signals", "rules")

Phrase = Tuple[str, ...]


@dataclass(frozen=True)
class Signal:
    name: str
    patterns: Tuple[Pattern, ...]
    unless: Tuple[Pattern, ...]

    def __post_init__(self) -> None:
        # One alternation per list: a single search finds the leftmost match.
        object.__setattr__(self, "_any", _join(self.patterns))
        object.__setattr__(self, "_unless", _join(self.unless) if self.unless else None)

    def first(self, text: str) -> Optional[int]:
        """Position of the earliest match, after blanking `unless` spans."""
        if self._unless is not None:
            text = self._unless.sub(lambda m: " " * len(m.group()), text)
        m = self._any.search(text)
        return m.start() if m else None


def _join(patterns: Tuple[Pattern, ...]) -> Pattern:
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    level: str
    reason: str
    all: Tuple[str, ...]
    none: Tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    path: str
    units: Dict[str, Any]
    thresholds: Dict[str, float]
    words: Dict[str, Tuple[Phrase, ...]]  # readings.* word lists as token tuples
    regexes: Dict[str, Tuple[Pattern, ...]]  # readings.defuse / meter_hi / meter_lo
    joined: Dict[str, Pattern]  # the same, one alternation each
    signals: Dict[str, Signal]
    rules: Tuple[Rule, ...]
    classifier_reasons: Dict[str, str]


def load_rules(path: Union[str, Path, None] = None) -> Rules:
    """Rules from `path`, or the cached default knowledge/escalation.yml."""
    if path is None:
        return _default_rules()
    return _load(Path(path))


@functools.lru_cache(maxsize=1)
def _default_rules() -> Rules:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> Rules:
    f = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KnowledgeError(f, f"cannot read file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(f, f"invalid YAML: {exc}") from exc
    top = _mapping(f, data, "(top level)", _TOP)
    sections: Dict[str, Dict[str, Any]] = {}
    for sec, fields in _SCHEMA.items():
        raw = _mapping(f, top[sec], sec, tuple(fields))
        sections[sec] = {k: _typed(f, raw[k], f"{sec}.{k}", kind) for k, kind in fields.items()}
    th = sections["thresholds"]
    _check_thresholds(f, th, sections["units"]["mmol_to_mgdl"])
    signals = _signals(f, top["signals"])
    rules = _rules(f, top["rules"], set(signals) | set(DERIVED_SIGNALS), th)
    rd = sections["readings"]
    return Rules(
        path=f,
        units=sections["units"],
        thresholds=th,
        words={k: tuple(tuple(w.split()) for w in v) for k, v in rd.items() if _SCHEMA["readings"][k] == "words"},
        regexes={k: v for k, v in rd.items() if _SCHEMA["readings"][k] == "regexes"},
        joined={k: _join(v) for k, v in rd.items() if _SCHEMA["readings"][k] == "regexes"},
        signals=signals,
        rules=rules,
        classifier_reasons=sections["classifier_reasons"],
    )


def _mapping(f: str, value: Any, field: str, required: Tuple[str, ...],
             optional: Tuple[str, ...] = ()) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise KnowledgeError(f, f"expected a mapping, got {type(value).__name__}", field=field)
    prefix = "" if field == "(top level)" else field + "."
    for key in value:
        if key not in required and key not in optional:
            raise KnowledgeError(f, f"unknown key '{key}'", field=prefix + str(key))
    for key in required:
        if key not in value:
            raise KnowledgeError(f, "missing required field", field=prefix + key)
    return value


def _typed(f: str, value: Any, field: str, kind: str) -> Any:
    if kind == "text":
        if not isinstance(value, str) or not value.strip():
            raise KnowledgeError(f, f"expected a non-empty text, got {value!r}", field=field)
        return " ".join(value.split())
    if kind == "number":
        # bool is an int subclass; "70" in quotes is a typo worth catching.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise KnowledgeError(f, f"expected a number, got {value!r}", field=field)
        return float(value)
    if not isinstance(value, list):
        raise KnowledgeError(f, f"expected a list, got {type(value).__name__}", field=field)
    if not value:
        raise KnowledgeError(f, "list must not be empty", field=field)
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise KnowledgeError(f, f"expected a non-empty string, got {item!r}", field=f"{field}[{i}]")
        if kind == "regexes":
            try:
                out.append(re.compile(item, re.IGNORECASE))
            except re.error as exc:
                raise KnowledgeError(f, f"invalid pattern {item!r}: {exc}", field=f"{field}[{i}]") from exc
        else:
            out.append(item.strip().lower())
    return tuple(out)


def _check_thresholds(f: str, th: Dict[str, float], factor: float) -> None:
    if factor <= 0:
        raise KnowledgeError(f, "must be positive", field="units.mmol_to_mgdl")
    if th["low_mgdl"] >= th["high_mgdl"]:
        raise KnowledgeError(f, "low_mgdl must be below high_mgdl", field="thresholds.low_mgdl")
    if th["ambiguous_min"] > th["ambiguous_max"]:
        raise KnowledgeError(f, "ambiguous_min must not exceed ambiguous_max", field="thresholds.ambiguous_min")
    if th["window_words"] < 1 or th["window_words"] != int(th["window_words"]):
        raise KnowledgeError(f, "must be a positive whole number", field="thresholds.window_words")


def _signals(f: str, raw: Any) -> Dict[str, Signal]:
    raw = _mapping(f, raw, "signals", (), tuple(raw) if isinstance(raw, dict) else ())
    out = {}
    for name, body in raw.items():
        field = f"signals.{name}"
        if name in DERIVED_SIGNALS:
            raise KnowledgeError(f, f"'{name}' is reserved for the readings finder", field=field)
        body = _mapping(f, body, field, ("patterns",), ("unless",))
        out[name] = Signal(
            name=name,
            patterns=_typed(f, body["patterns"], f"{field}.patterns", "regexes"),
            unless=_typed(f, body["unless"], f"{field}.unless", "regexes") if "unless" in body else (),
        )
    for name in REQUIRED_SIGNALS:
        if name not in out:
            raise KnowledgeError(f, "missing required signal", field=f"signals.{name}")
    return out


def _rules(f: str, raw: Any, known: set, th: Dict[str, float]) -> Tuple[Rule, ...]:
    if not isinstance(raw, list) or not raw:
        raise KnowledgeError(f, "expected a non-empty list of rules", field="rules")
    # Reasons may quote thresholds; whole numbers print without ".0".
    values = {k: (int(v) if v == int(v) else v) for k, v in th.items()}
    out = []
    for i, body in enumerate(raw):
        field = f"rules[{i}]"
        body = _mapping(f, body, field, ("level", "reason", "all"), ("none",))
        if body["level"] not in LEVELS:
            raise KnowledgeError(f, f"level must be one of {LEVELS}, got {body['level']!r}", field=f"{field}.level")
        if not isinstance(body["reason"], str) or not body["reason"].strip():
            raise KnowledgeError(f, "reason must be a non-empty string", field=f"{field}.reason")
        try:
            reason = body["reason"].format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise KnowledgeError(f, f"bad placeholder in reason: {exc}", field=f"{field}.reason") from exc
        groups = {}
        for key in ("all", "none"):
            names = _typed(f, body[key], f"{field}.{key}", "words") if key in body else ()
            for name in names:
                if name not in known:
                    raise KnowledgeError(f, f"unknown signal '{name}'", field=f"{field}.{key}")
            groups[key] = names
        out.append(Rule(body["level"], reason, groups["all"], groups["none"]))
    return tuple(out)
