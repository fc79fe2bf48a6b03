"""Context of a mention, in the NegEx / ConText tradition.

A cue word opens a scope forward ("no ketones", "if he passes out", "my
friend's son had a seizure") or backward ("ketones came back negative", "a
seizure two years ago"). The scope runs for the category's number of words
and stops at the end of a sentence, at a terminator ("but", "now") and, for
categories that say so, at a comma. A mention whose start lies in a scope
takes that category, unless the cue is part of the mention itself ("not
breathing" is the concept, not its negation). "Pseudo" cues ("not sure",
"can't stop") cancel the cues they overlap: doubt is not negation.

What a category does is data (rules.yml): "ignore" drops the mention,
"clinic" lets it escalate at most to the clinic. Where doubtful, a mention
stands, as escalation has always done.
"""

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from bot.core.escalation.rules import ContextCategory, ContextTogether
from bot.core.text.patterns import HARD_BREAKS, Token

Span = Tuple[int, int]


@dataclass(frozen=True)
class Scope:
    category: str
    cue: Span
    lo: int  # first token in scope
    hi: int  # one past the last token in scope


def scopes(
    tokens: Sequence[Token], hits: Sequence[Tuple[str, int, int]], categories: Dict[str, ContextCategory]
) -> List[Scope]:
    """Scopes of the context cues among the matcher's hits."""
    pseudo = [(s, e) for name, s, e in hits if name == "pseudo"]
    stops: Dict[str, set] = {}
    for name, s, _e in hits:
        if name == "stop" or name.startswith("stop:"):
            stops.setdefault(name[5:], set()).add(s)
    out = []
    for name, s, e in hits:
        if not name.startswith("t"):
            continue
        if any(ps < e and s < pe for ps, pe in pseudo):
            continue
        cat = categories[name[3:]]
        ends = (stops.get("", set()) if cat.stop_at_terminators else set()) | stops.get(cat.name, set())
        if name[1] == ">":
            lo = hi = e
            words = 0
            while hi < len(tokens) and words < cat.scope and not _ends(tokens[hi], hi, ends, cat):
                words += tokens[hi].is_word
                hi += 1
        else:
            lo = hi = s
            words = 0
            while lo > 0 and words < cat.scope and not _ends(tokens[lo - 1], lo - 1, ends, cat):
                lo -= 1
                words += tokens[lo].is_word
        out.append(Scope(cat.name, (s, e), lo, hi))
    return out


def _ends(tok: Token, i: int, stops, cat: ContextCategory) -> bool:
    return tok.text in HARD_BREAKS or i in stops or (cat.stop_at_comma and tok.text == ",")


class ScopeIndex:
    """Scopes by the tokens they reach, so each mention looks at a few."""

    def __init__(self, found: Sequence[Scope]) -> None:
        self.at: Dict[int, List[Scope]] = {}
        for sc in found:
            for i in set(range(sc.lo, sc.hi)) | set(range(*sc.cue)):
                self.at.setdefault(i, []).append(sc)

    def near(self, span: Span) -> List[Scope]:
        seen: Dict[int, Scope] = {}
        for i in range(span[0], span[1]):
            for sc in self.at.get(i, ()):
                seen[id(sc)] = sc
        return list(seen.values())


def applying(
    span: Span,
    index: ScopeIndex,
    categories: Dict[str, ContextCategory],
    readings: bool = False,
    signal: Optional[str] = None,
) -> FrozenSet[str]:
    """The context categories whose scope this mention (of `signal`, if known) lies in."""
    start, end = span
    found = set()
    for sc in index.near(span):
        if readings and not categories[sc.category].readings:
            continue
        if signal in categories[sc.category].spares:
            continue  # "gave glucagon, she's awake now": still glucagon given
        if start <= sc.cue[0] and sc.cue[1] <= end:
            continue  # the cue is part of the mention ("not breathing")
        # A mention inside the cue after its first word is its object ("do we
        # need ketone strips"); one that opens the cue is its subject ("worried").
        inside = sc.cue[0] < start and end <= sc.cue[1]
        anchor = start if sc.cue[1] <= start else end - 1
        if not inside and not sc.lo <= anchor < sc.hi:
            continue
        found.add(sc.category)
    return frozenset(found)


def level(
    signal: Optional[str],
    applied: FrozenSet[str],
    categories: Dict[str, ContextCategory],
    together: Sequence[ContextTogether] = (),
) -> Optional[str]:
    """The highest level a mention of `signal` in the scope of the `applied` categories may reach:
    None (ignored), "clinic" or "emergency". Cues that together say more than each can drop it
    ("last week" and "fine since" on a low)."""
    if any(categories[c].effect == "ignore" for c in applied):
        return None
    if any(t.effect == "ignore" and signal in t.signals and t.cues <= applied for t in together):
        return None
    return "clinic" if applied else "emergency"
