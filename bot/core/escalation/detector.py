"""Classify a message, or the last turns of a conversation, as emergency / clinic / none.

Deterministic and without Rasa, so it is fast and testable on its own:

1. each language lexicon reads the text (normalised, texting forms spelt out,
   typos repaired, lemmas) and finds concept mentions and context cues;
2. the readings finder finds blood-sugar numbers, meter HI/LO;
3. context (negation, hypothetical, history, someone else, ...) drops or caps
   each mention;
4. rules.yml's combination rules turn the signals that are left into a level,
   with the reasons in the order their evidence appears.

Emergency beats clinic; the reasons are texts of the reply's language.
"""

import functools
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from bot.core.escalation.context import ScopeIndex, effect, scopes
from bot.core.escalation.lexicon import Lexicon, load_lexicon
from bot.core.escalation.readings import Reading, find_readings, meter_flags
from bot.core.escalation.rules import RANK, Rules, load_rules

# signal -> (highest level it may reach, position of its first mention)
Signals = Dict[str, Tuple[str, int]]


@dataclass(frozen=True)
class Assessment:
    level: str  # "emergency" | "clinic" | "none"
    reasons: List[str] = field(default_factory=list)
    reason_keys: List[str] = field(default_factory=list)
    reading_mgdl: Optional[float] = None
    unit_unclear: bool = False
    pump_failure: bool = False
    evidence: bool = False  # medical evidence (rules.yml `evidence`): a sign, a reading out of range
    from_context: bool = False  # decided by earlier turns completed by this one
    signals: FrozenSet[str] = frozenset()  # every concept and reading signal found, escalating or not

    @property
    def reason_text(self) -> str:
        """Reasons joined for a reply sentence: "a, b and c"."""
        if len(self.reasons) < 2:
            return "".join(self.reasons)
        return ", ".join(self.reasons[:-1]) + " and " + self.reasons[-1]


def assess(text: str, rules: Optional[Rules] = None, language: str = "en") -> Assessment:
    """The level of one message; reasons in `language`."""
    if rules is None or rules is load_rules():
        return _assess_cached(text or "", language)
    return _assess(text, rules, language)


@functools.lru_cache(maxsize=2048)
def _assess_cached(text: str, language: str) -> Assessment:
    # A conversation's earlier turns are read again with each new message.
    return _assess(text, load_rules(), language)


def _assess(text: str, rules: Rules, language: str) -> Assessment:
    lexicons = [load_lexicon(lang, rules) for lang in rules.languages]
    signals: Signals = {}
    readings: List[Reading] = []
    for lex in lexicons:
        found, read = _signals(text or "", lex, rules)
        readings += read
        for name, (cap, pos) in found.items():
            _add(signals, name, cap, pos)
    reply = next((lex for lex in lexicons if lex.language == language), lexicons[0])
    return _decide(signals, readings, rules, reply)


def assess_turns(text: str, earlier: Sequence[str], rules: Optional[Rules] = None, language: str = "en") -> Assessment:
    """The level of `text` as the latest of a family's messages.

    A message that completes earlier ones ("his sugar is" then "45"; "sick all
    day" then "now she won't wake up" then a reading) escalates to what the
    turns say together, when that is more than each said: earlier turns were
    answered already, so they never escalate again on their own.
    """
    now = assess(text, rules, language)
    earlier = [t for t in earlier if t and t.strip()]
    if not earlier:
        return now
    before = assess(_join(earlier), rules, language)
    both = assess(_join([*earlier, text]), rules, language)
    if RANK[both.level] > max(RANK[before.level], RANK[now.level]):
        return Assessment(**{**both.__dict__, "from_context": True})
    return now


def _join(turns: Sequence[str]) -> str:
    # Trailing stops dropped, so "his sugar is." + "45" still reads as one sentence.
    return " ".join(t.strip().rstrip(".!?;") for t in turns)


def _add(signals: Signals, name: str, cap: str, pos: int) -> None:
    old = signals.get(name)
    if old is None:
        signals[name] = (cap, pos)
    else:
        signals[name] = (max(old[0], cap, key=RANK.__getitem__), min(old[1], pos))


def _signals(text: str, lex: Lexicon, rules: Rules) -> Tuple[Signals, List[Reading]]:
    t = lex.read(text)
    hits = lex.matcher.find(t.tokens)
    found_scopes = ScopeIndex(scopes(t.tokens, hits, rules.context))
    unless: Dict[str, List[Tuple[int, int]]] = {}
    for name, s, e in hits:
        if name.startswith("u:"):
            unless.setdefault(name[2:], []).append((s, e))
    signals: Signals = {}
    for name, s, e in hits:
        if not name.startswith("c:"):
            continue
        concept = name[2:]
        if any(us < e and s < ue for us, ue in unless.get(concept, ())):
            continue
        cap = effect((s, e), found_scopes, rules.context)
        if cap:
            _add(signals, concept, cap, t.tokens[s].start)

    def cap_at(offset: int) -> Optional[str]:
        i = t.token_at(offset)
        return effect((i, i + 1), found_scopes, rules.context, readings=True)

    kept = []
    low, high = rules.thresholds["low_mgdl"], rules.thresholds["high_mgdl"]
    for r in find_readings(t.repaired, rules, lex.reading_words):
        cap = cap_at(r.pos)
        if cap is None:
            continue
        kept.append(r)
        if r.low_check is not None and r.low_check < low:
            _add(signals, "reading_low", cap, r.pos)
        if r.high_check is not None and r.high_check > high:
            _add(signals, "reading_high", cap, r.pos)
        if r.unit_unclear:
            _add(signals, "unit_unclear", cap, r.pos)
        elif r.low_check is not None and r.high_check is not None and low <= r.low_check and r.high_check <= high:
            _add(signals, "reading_in_range", cap, r.pos)  # a number that says "no concern"
    for name, pos in zip(("meter_hi", "meter_lo"), meter_flags(t.repaired, lex.regexes), strict=False):
        cap = cap_at(pos) if pos is not None else None
        if pos is not None and cap:
            _add(signals, name, cap, pos)
    return signals, kept


def _decide(signals: Signals, readings: List[Reading], rules: Rules, lex: Lexicon) -> Assessment:
    fired = []
    for rule in rules.rules:
        if any(n in signals for n in rule.none):
            continue
        chosen = []
        for group in rule.all:
            present = [signals[n] for n in group if n in signals]
            if not present:
                break
            chosen.append(max(present, key=lambda cp: (RANK[cp[0]], -cp[1])))
        else:
            level = min([rule.level] + [cap for cap, _ in chosen], key=RANK.__getitem__)
            fired.append((min(pos for _, pos in chosen), level, rule.reason))
    fired.sort(key=lambda f: f[0])  # stable: ties keep the YAML's order
    keys: List[str] = []
    for _, _, key in fired:
        if key not in keys:
            keys.append(key)
    level = max((lv for _, lv, _ in fired), key=RANK.__getitem__, default="none")
    low, high = rules.thresholds["low_mgdl"], rules.thresholds["high_mgdl"]
    return Assessment(
        level=level,
        reasons=[lex.reasons[k] for k in keys],
        reason_keys=keys,
        reading_mgdl=_most_concerning(readings, low, high),
        unit_unclear="unit_unclear" in signals,
        pump_failure="pump_failure" in signals,
        evidence=any(name in rules.evidence for name in signals),
        signals=frozenset(signals),
    )


def _most_concerning(readings: List[Reading], low: float, high: float) -> Optional[float]:
    """Lowest escalating low first (lows harm fastest), then highest high, else the last."""
    lows = [r.mgdl for r in readings if r.low_check is not None and r.low_check < low and r.mgdl is not None]
    if lows:
        return min(lows)
    highs = [r.mgdl for r in readings if r.high_check is not None and r.high_check > high and r.mgdl is not None]
    if highs:
        return max(highs)
    known = [r.mgdl for r in readings if r.mgdl is not None]
    return known[-1] if known else None
