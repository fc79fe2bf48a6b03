"""Classify a message as emergency / clinic / none from escalation.yml rules.

Pure string work so it is deterministic, fast and testable without Rasa.
Emergency beats clinic; every reason found is kept, in the order its first
evidence appears in the message, so the reply can say why.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from bot.escalation.readings import find_readings, meter_flags, normalise
from bot.escalation.rules import Rules, load_rules

_RANK = {"none": 0, "clinic": 1, "emergency": 2}


@dataclass(frozen=True)
class Assessment:
    level: str                       # "emergency" | "clinic" | "none"
    reasons: List[str] = field(default_factory=list)
    reading_mgdl: Optional[float] = None
    unit_unclear: bool = False
    pump_failure: bool = False

    @property
    def reason_text(self) -> str:
        """Reasons joined for a reply sentence: "a, b and c"."""
        if len(self.reasons) < 2:
            return "".join(self.reasons)
        return ", ".join(self.reasons[:-1]) + " and " + self.reasons[-1]


def assess(text: str, rules: Optional[Rules] = None) -> Assessment:
    rules = rules or load_rules()
    norm = normalise(text or "", rules)
    hits: Dict[str, int] = {}
    for name, signal in rules.signals.items():
        pos = signal.first(norm)
        if pos is not None:
            hits[name] = pos

    readings = find_readings(norm, rules)
    low, high = rules.thresholds["low_mgdl"], rules.thresholds["high_mgdl"]
    lows = [r for r in readings if r.low_check is not None and r.low_check < low]
    highs = [r for r in readings if r.high_check is not None and r.high_check > high]
    derived = {
        "reading_low": lows[0].pos if lows else None,
        "reading_high": highs[0].pos if highs else None,
        "unit_unclear": next((r.pos for r in readings if r.unit_unclear), None),
    }
    derived["meter_hi"], derived["meter_lo"] = meter_flags(norm, rules)
    hits.update({k: v for k, v in derived.items() if v is not None})

    fired = []
    for rule in rules.rules:
        if all(s in hits for s in rule.all) and not any(s in hits for s in rule.none):
            fired.append((min(hits[s] for s in rule.all), rule))
    fired.sort(key=lambda item: item[0])  # stable: ties keep YAML order
    reasons: List[str] = []
    for _, rule in fired:
        if rule.reason not in reasons:
            reasons.append(rule.reason)
    level = max((rule.level for _, rule in fired), key=_RANK.get, default="none")
    return Assessment(
        level=level,
        reasons=reasons,
        reading_mgdl=_most_concerning(lows, highs, readings),
        unit_unclear="unit_unclear" in hits,
        pump_failure="pump_failure" in hits,
    )


def _most_concerning(lows, highs, readings) -> Optional[float]:
    """Lowest escalating low first (lows harm fastest), then highest high."""
    if lows:
        return min(r.mgdl for r in lows)
    if highs:
        return max(r.mgdl for r in highs)
    known = [r.mgdl for r in readings if r.mgdl is not None]
    return known[-1] if known else None
