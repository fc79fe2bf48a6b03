"""knowledge/escalation/rules.yml: what escalates, in any language.

Thresholds, units, the concepts every language lexicon must define, what each
context category does to a mention, how far back the conversation is read,
and the combination rules (which concepts and readings together make an
emergency or a clinic concern). Words live in the per-language lexicons
(bot/core/escalation/lexicon.py). Every mistake raises KnowledgeError naming the
file and the dotted field.
"""

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, Optional, Tuple, Union

from bot import KNOWLEDGE_DIR
from bot.core.escalation.levels import LEVELS, RANK  # noqa: F401  (RANK: re-exported for callers)
from bot.core.knowledge.shape import Shape, load_yaml

ESCALATION_DIR = KNOWLEDGE_DIR / "escalation"
DEFAULT_PATH = ESCALATION_DIR / "rules.yml"
# Signals the readings finder supplies; rules may use them by name.
READING_SIGNALS = ("reading_low", "reading_high", "reading_in_range", "meter_hi", "meter_lo", "unit_unclear")
# Concepts Python reads directly (Assessment.pump_failure picks the reply).
REQUIRED_CONCEPTS = ("pump_failure",)
CONTEXT_EFFECTS = ("ignore", "clinic")
_THRESHOLDS = (
    "low_mgdl",
    "high_mgdl",
    "ambiguous_min",
    "ambiguous_max",
    "mmol_max",
    "max_mgdl",
    "age_max",
    "window_words",
)


@dataclass(frozen=True)
class Rule:
    level: str
    reason: str  # key into each lexicon's reasons
    all: Tuple[FrozenSet[str], ...]  # every group needs one of its signals
    none: FrozenSet[str]


@dataclass(frozen=True)
class ContextCategory:
    name: str
    scope: int  # words a cue reaches
    stop_at_comma: bool
    effect: str  # "ignore": the mention does not count; "clinic": at most clinic
    readings: bool  # whether it applies to blood-sugar readings too
    stop_at_terminators: bool
    spares: FrozenSet[str] = frozenset()  # signals the cue leaves alone


@dataclass(frozen=True)
class ContextTogether:
    """Cues that together say more than each: on a mention in the scope of all of `cues`, the
    `signals` listed get `effect` ("a low last week, fine since": handled, told for the record)."""

    cues: FrozenSet[str]
    effect: str
    signals: FrozenSet[str]


@dataclass(frozen=True)
class Rules:
    path: str
    languages: Tuple[str, ...]
    units: Dict[str, Any]
    thresholds: Dict[str, float]
    concepts: Dict[str, str]  # name -> what it means
    context: Dict[str, ContextCategory]
    conversation_turns: int
    conversation_minutes: float
    rules: Tuple[Rule, ...]
    evidence: FrozenSet[str]  # signals that let the classifier's escalation stand
    together: Tuple[ContextTogether, ...] = ()
    after_emergency: FrozenSet[str] = frozenset()  # signs that keep an emergency of a moment ago going
    after_concern: FrozenSet[str] = frozenset()  # details that, told after a clinic concern, repeat it
    # details that repeat it too unless the same message says all is well (signal `all_clear`)
    details_after_concern: FrozenSet[str] = frozenset()
    # reasons a check told clear (signal `check_clear`) ends: "checked, negative" ends a ketone concern,
    # not a child who vomited
    check_clears: FrozenSet[str] = frozenset()
    # reasons whose concern "fine now" (signal `all_clear`) does not end, unless the family says it reached
    # the team (signal `reached_team`): an insulin mistake acts for hours
    lasting_concerns: FrozenSet[str] = frozenset()

    @property
    def signals(self) -> FrozenSet[str]:
        return frozenset(self.concepts) | frozenset(READING_SIGNALS)


def load_rules(path: Union[str, Path, None] = None) -> Rules:
    """Rules from `path`, or the cached default knowledge/escalation/rules.yml."""
    return _default_rules() if path is None else _load(Path(path))


@functools.lru_cache(maxsize=1)
def _default_rules() -> Rules:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> Rules:
    s = Shape(path)
    top = s.mapping(
        load_yaml(path),
        "",
        ("languages", "units", "thresholds", "conversation", "context", "concepts", "evidence", "rules"),
        (
            "context_together",
            "after_emergency",
            "after_concern",
            "details_after_concern",
            "check_clears",
            "lasting_concerns",
        ),
    )
    languages = s.strings(top["languages"], "languages")
    units_raw = s.mapping(top["units"], "units", ("mmol_to_mgdl", "mgdl", "mgdl_weak", "mmol"))
    units: Dict[str, Any] = {"mmol_to_mgdl": s.number(units_raw["mmol_to_mgdl"], "units.mmol_to_mgdl")}
    units.update({k: s.strings(units_raw[k], f"units.{k}") for k in ("mgdl", "mgdl_weak", "mmol")})
    th_raw = s.mapping(top["thresholds"], "thresholds", _THRESHOLDS)
    th = {k: s.number(th_raw[k], f"thresholds.{k}") for k in _THRESHOLDS}
    _check_thresholds(s, th, units["mmol_to_mgdl"])
    conv = s.mapping(top["conversation"], "conversation", ("turns", "minutes"))
    concepts_raw = s.mapping(top["concepts"], "concepts", optional=None)
    concepts = {str(k): s.text(v, f"concepts.{k}") for k, v in concepts_raw.items()}
    for name in concepts:
        if name in READING_SIGNALS:
            raise s.error(f"concepts.{name}", f"'{name}' is reserved for the readings finder")
    for name in REQUIRED_CONCEPTS:
        if name not in concepts:
            raise s.error(f"concepts.{name}", "missing required concept")
    known_signals = frozenset(concepts) | frozenset(READING_SIGNALS)
    context = {}
    for name, body in s.mapping(top["context"], "context", optional=None).items():
        field = f"context.{name}"
        body = s.mapping(
            body, field, ("scope", "effect"), ("stop_at_comma", "readings", "stop_at_terminators", "spares")
        )
        flags = {
            k: body.get(k, default)
            for k, default in (("stop_at_comma", False), ("readings", True), ("stop_at_terminators", True))
        }
        for key, value in flags.items():
            if not isinstance(value, bool):
                raise s.error(f"{field}.{key}", f"expected true or false, got {value!r}")
        context[name] = ContextCategory(
            name,
            s.whole(body["scope"], f"{field}.scope", 1),
            flags["stop_at_comma"],
            s.choice(body["effect"], f"{field}.effect", CONTEXT_EFFECTS),
            flags["readings"],
            flags["stop_at_terminators"],
            _signal_set(s, body.get("spares"), known_signals, f"{field}.spares"),
        )
    rules = _rules(s, top["rules"], frozenset(concepts) | frozenset(READING_SIGNALS))
    return Rules(
        path=str(path),
        languages=languages,
        units=units,
        thresholds=th,
        concepts=concepts,
        context=context,
        conversation_turns=s.whole(conv["turns"], "conversation.turns"),
        conversation_minutes=s.number(conv["minutes"], "conversation.minutes"),
        rules=rules,
        evidence=frozenset(_known(s, s.strings(top["evidence"], "evidence"), known_signals, "evidence")),
        together=_together(s, top.get("context_together") or [], context, known_signals),
        after_emergency=_signal_set(s, top.get("after_emergency"), known_signals, "after_emergency"),
        after_concern=_signal_set(s, top.get("after_concern"), known_signals, "after_concern"),
        details_after_concern=_signal_set(s, top.get("details_after_concern"), known_signals, "details_after_concern"),
        check_clears=_reasons(s, top.get("check_clears"), frozenset(r.reason for r in rules), "check_clears"),
        lasting_concerns=_reasons(
            s, top.get("lasting_concerns"), frozenset(r.reason for r in rules), "lasting_concerns"
        ),
    )


def _reasons(s: Shape, raw, known: FrozenSet[str], field: str) -> FrozenSet[str]:
    """Reasons (of `rules`) named by a rule about concerns (`check_clears`, `lasting_concerns`)."""
    names = s.strings(raw or [], field, empty_ok=True)
    for i, name in enumerate(names):
        if name not in known:
            raise s.error(f"{field}[{i}]", f"unknown reason '{name}' (no rule of `rules` gives it)")
    return frozenset(names)


def _signal_set(s: Shape, raw, known: FrozenSet[str], field: str) -> FrozenSet[str]:
    """An optional list of signal names (none given: empty), each one rules.yml defines."""
    return frozenset(_known(s, s.strings(raw or [], field, empty_ok=True), known, field))


def _together(s: Shape, raw, context: Dict[str, ContextCategory], known: FrozenSet[str]) -> Tuple[ContextTogether, ...]:
    if not isinstance(raw, list):
        raise s.error("context_together", "expected a list")
    out = []
    for i, body in enumerate(raw):
        field = f"context_together[{i}]"
        body = s.mapping(body, field, ("cues", "effect", "signals"))
        cues = s.strings(body["cues"], f"{field}.cues")
        for cue in cues:
            if cue not in context:
                raise s.error(f"{field}.cues", f"unknown context category '{cue}'")
        if len(cues) < 2:
            raise s.error(f"{field}.cues", "name at least two context categories")
        signals = _known(s, s.strings(body["signals"], f"{field}.signals"), known, f"{field}.signals")
        effect = s.choice(body["effect"], f"{field}.effect", CONTEXT_EFFECTS)
        out.append(ContextTogether(frozenset(cues), effect, frozenset(signals)))
    return tuple(out)


def _check_thresholds(s: Shape, th: Dict[str, float], factor: float) -> None:
    if factor <= 0:
        raise s.error("units.mmol_to_mgdl", "must be positive")
    if th["low_mgdl"] >= th["high_mgdl"]:
        raise s.error("thresholds.low_mgdl", "low_mgdl must be below high_mgdl")
    if th["max_mgdl"] <= th["high_mgdl"]:
        raise s.error("thresholds.max_mgdl", "max_mgdl must be above high_mgdl")
    if th["ambiguous_min"] > th["ambiguous_max"]:
        raise s.error("thresholds.ambiguous_min", "ambiguous_min must not exceed ambiguous_max")
    if th["window_words"] < 1 or th["window_words"] != int(th["window_words"]):
        raise s.error("thresholds.window_words", "must be a positive whole number")


def _rules(s: Shape, raw, known: FrozenSet[str]) -> Tuple[Rule, ...]:
    if not isinstance(raw, list) or not raw:
        raise s.error("rules", "expected a non-empty list of rules")
    out = []
    for i, body in enumerate(raw):
        field = f"rules[{i}]"
        body = s.mapping(body, field, ("level", "reason", "all"), ("none",))
        level = s.choice(body["level"], f"{field}.level", LEVELS)
        reason = s.text(body["reason"], f"{field}.reason")
        if not isinstance(body["all"], list) or not body["all"]:
            raise s.error(f"{field}.all", "expected a non-empty list of signals (or lists of signals)")
        groups = []
        for j, item in enumerate(body["all"]):
            names = (
                s.strings(item, f"{field}.all[{j}]")
                if isinstance(item, list)
                else (s.strings([item], f"{field}.all[{j}]"))
            )
            groups.append(frozenset(_known(s, names, known, f"{field}.all")))
        none = _known(s, s.strings(body["none"], f"{field}.none"), known, f"{field}.none") if "none" in body else ()
        out.append(Rule(level, reason, tuple(groups), frozenset(none)))
    return tuple(out)


def _known(s: Shape, names, known: FrozenSet[str], field: str):
    for name in names:
        if name not in known:
            raise s.error(field, f"unknown signal '{name}'")
    return names


def reason_keys(rules: Optional[Rules] = None) -> FrozenSet[str]:
    return frozenset(r.reason for r in (rules or load_rules()).rules)
