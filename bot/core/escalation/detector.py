"""Classify a message, or the last turns of a conversation, as emergency / clinic / none.

Deterministic and without Rasa, so it is fast and testable on its own:

1. each language lexicon reads the text (normalised, texting forms spelt out,
   typos repaired, lemmas) and finds concept mentions and context cues. A
   lexicon reads every message but one that clearly is in other languages
   only (none of its markers, two or more of another's): read in a language it
   is not written in, a message loses its context ("que hago si convulsiona":
   English sees a seizure, not the "if"). When several read, none "repairs"
   a word of another's language into one of its own;
2. the readings finder finds blood-sugar numbers, meter HI/LO;
3. context (negation, hypothetical, history, someone else, ...) drops or caps
   each mention;
4. rules.yml's combination rules turn the signals that are left into a level,
   with the reasons in the order their evidence appears.

Emergency beats clinic; the highest level wins, whether one language finds
it alone or the languages' signals together do (a message that mixes them:
"mi hija is at 45 and she's confused"). The reasons are texts of the reply's
language, which never changes what is found.
"""

import functools
from dataclasses import dataclass, field, replace
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple, Union

from bot.core.escalation.context import ScopeIndex, applying, level, scopes
from bot.core.escalation.lexicon import Lexicon, Text, load_lexicon
from bot.core.escalation.readings import Reading, find_readings, meter_flags
from bot.core.escalation.rules import RANK, Rules, load_rules

# A lexicon is left out of reading a message without its markers when another
# language's markers number at least this (see lexicon.py).
MARKERS_TO_LEAVE_OUT = 2
# signal -> (highest level it may reach, position of its first mention)
Signals = Dict[str, Tuple[str, int]]


ALL_CLEAR = "all_clear"  # the concept of a message that says a concern is handled (rules.yml)
CHECK_CLEAR = "check_clear"  # a check told clear ("negative"): it ends only the concerns of `check_clears`
REACHED_TEAM = "reached_team"  # the family says it reached the team: it ends a concern of `lasting_concerns` too


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
    language: str = "en"  # the language of `reasons`
    read_in: Tuple[str, ...] = ()  # the lexicons that read the message
    and_word: str = "and"  # the reply language's "and", for reason_text

    @property
    def reason_text(self) -> str:
        """Reasons joined for a reply sentence: "a, b and c" ("a, b y c")."""
        return _join_reasons(self.reasons, self.and_word)


def reason_in(keys: Sequence[str], language: str, level: str) -> str:
    """The reply sentence's reasons for these reason keys in `language` (an Assessment's
    `reason_keys`); no keys is the classifier's reason for `level`. For a reply in a language
    other than the one the message was assessed in (a reply in every answer language)."""
    lex = load_lexicon(language)
    if not keys:
        return lex.classifier_reasons[level]
    return _join_reasons([lex.reasons[k] for k in keys], lex.and_word)


def _join_reasons(reasons: Sequence[str], and_word: str) -> str:
    if len(reasons) < 2:
        return "".join(reasons)
    return ", ".join(reasons[:-1]) + f" {and_word} " + reasons[-1]


def assess(
    text: str, rules: Optional[Rules] = None, language: str = "en", read_in: Optional[Sequence[str]] = None
) -> Assessment:
    """The level of one message; reasons in `language`.

    The message is read with the lexicon of every language of rules.yml it
    is written in (see assess_any_language), whatever `language` is: the reply
    language picks words, never what is found. `read_in` restricts the reading
    to these lexicons (a test of one lexicon, say).
    """
    read = tuple(read_in) if read_in is not None else None
    if rules is None or rules is load_rules():
        return _assess_cached(text or "", language, read)
    return _assess(text or "", rules, language, read)


def assess_any_language(
    texts_or_turns: Union[str, Sequence[str]], reply_language: str = "en", rules: Optional[Rules] = None
) -> Assessment:
    """The highest level any registered language's lexicon finds; reasons in `reply_language`.

    `texts_or_turns` is one message, or a family's turns oldest first, the last
    being the message to answer (as assess_turns). Use this when the language
    of a message is not known: the reply language may differ from the
    message's ("el dexcom dice LOW" in an English conversation).
    """
    if isinstance(texts_or_turns, str):
        return assess(texts_or_turns, rules, reply_language)
    turns = list(texts_or_turns)
    if not turns:
        return assess("", rules, reply_language)
    return assess_turns(turns[-1], turns[:-1], rules, reply_language)


@functools.lru_cache(maxsize=2048)
def _assess_cached(text: str, language: str, read_in: Optional[Tuple[str, ...]]) -> Assessment:
    # A conversation's earlier turns are read again with each new message.
    return _assess(text, load_rules(), language, read_in)


def _assess(text: str, rules: Rules, language: str, read_in: Optional[Tuple[str, ...]]) -> Assessment:
    names = read_in if read_in is not None else rules.languages
    reply = load_lexicon(language if language in rules.languages else rules.languages[0], rules)
    lexicons = [load_lexicon(lang, rules) for lang in names]
    if len(lexicons) > 1:
        # A lexicon reads every message but those clearly in other languages only:
        # none of its markers, and two or more of another's. Read in a language it
        # is not in, a message loses its context ("si convulsiona, que hago": "if").
        counts = [lex.markers_in(text) for lex in lexicons]
        lexicons = [lex for lex, n in zip(lexicons, counts, strict=True) if n or max(counts) < MARKERS_TO_LEAVE_OUT]
    # Each leaves the other languages' words alone: they are read there, in their context.
    texts = [lex.read(text, [o.words for o in lexicons if o is not lex]) for lex in lexicons]
    signals: Signals = {}
    readings: List[Reading] = []
    alone = []
    for lex, t in zip(lexicons, texts, strict=True):
        found, read = _signals(t, lex, rules)
        readings += read
        for name, (cap, pos) in found.items():
            _add(signals, name, cap, pos)
        if len(lexicons) > 1:
            alone.append(_decide(found, read, rules, reply))
    # Together, for a message that mixes languages; or the highest of one alone
    # (a `none` of a rule may hold only together).
    best = _decide(signals, readings, rules, reply)
    for a in alone:
        if RANK[a.level] > RANK[best.level]:
            best = a
    return replace(best, read_in=tuple(lex.language for lex in lexicons))


# A previous turn this short may be a context cue for the next message (see assess_turns).
# Not longer: a longer first turn joined to a bare number in the next one can hide the
# reading, and doubt escalates.
MAX_CUE_TURN_WORDS = 3


def assess_turns(
    text: str,
    earlier: Sequence[str],
    rules: Optional[Rules] = None,
    language: str = "en",
    read_in: Optional[Sequence[str]] = None,
) -> Assessment:
    """The level of `text` as the latest of a family's messages.

    A message that completes earlier ones ("his sugar is" then "45"; "sick all
    day" then "now she won't wake up" then a reading) escalates to what the
    turns say together, when that is more than each said: earlier turns were
    answered already, so they never escalate again on their own.
    """
    now = assess(text, rules, language, read_in)
    earlier = [t for t in earlier if t and t.strip()]
    if not earlier:
        return now
    before = assess(_join(earlier), rules, language, read_in)
    both = assess(_join([*earlier, text]), rules, language, read_in)
    # The turns together say more than this message: a completion ("his sugar is" | "45"), or a
    # concern that adds to an emergency a moment ago, answered as the emergency, never less
    # ("can't keep him awake" | "tandem says 39": not 911, then "call the team").
    if RANK[both.level] > RANK[now.level] and (RANK[both.level] > RANK[before.level] or RANK[now.level] > 0):
        return replace(both, from_context=True)
    # A sign told just after an emergency ("had to use glucagon" | "she's very sleepy"): the
    # emergency goes on, and is said again (rules.yml `after_emergency`).
    rules = rules or load_rules()
    if before.level == both.level == "emergency" and now.signals & rules.after_emergency:
        return replace(both, from_context=True)
    # A sign told just after a clinic concern that alone is none ("he threw up" | "still feels sick"),
    # or a reading in range that is a detail of it ("he vomited" | "just the one time, 190") unless
    # the message says all is well ("ok 118 now, thanks"): the concern is still what the family is
    # telling about; the reply repeats it (`before`, not the turns read as one: a cue of this turn
    # must not reach back into the earlier one).
    cleared = ALL_CLEAR in now.signals or (
        CHECK_CLEAR in now.signals and bool(before.reason_keys) and set(before.reason_keys) <= rules.check_clears
    )
    detail = bool(now.signals & rules.details_after_concern) and not cleared
    # "Fine right now" after an insulin mistake: the insulin acts for hours (rules.yml `lasting_concerns`).
    lasting = (
        ALL_CLEAR in now.signals
        and REACHED_TEAM not in now.signals
        and bool(set(before.reason_keys) & rules.lasting_concerns)
    )
    if now.level == "none" and before.level == "clinic" and (now.signals & rules.after_concern or detail or lasting):
        return replace(before, from_context=True)
    # A context cue sent on its own just before ("what if" | "his dexcom says 55"; "my
    # friend's kid" | "is 45"): a short previous turn with no sign of its own that changes
    # how this message reads can only be a cue (hypothetical, negated, someone else, past)
    # whose scope the family split over two messages. Its scope is what the two say together.
    last = earlier[-1]
    if len(last.split()) <= MAX_CUE_TURN_WORDS and RANK[now.level] > 0:
        alone = assess(_join([last]), rules, language, read_in)  # = `before` with one earlier turn (cached)
        if not alone.signals and alone.level == "none":
            pair = assess(_join([last, text]), rules, language, read_in)
            if RANK[pair.level] < RANK[now.level]:
                return replace(pair, from_context=True)
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


def _signals(t: Text, lex: Lexicon, rules: Rules) -> Tuple[Signals, List[Reading]]:
    hits = lex.matcher.find(t.tokens)
    found_scopes = ScopeIndex(scopes(t.tokens, hits, rules.context))
    unless: Dict[str, List[Tuple[int, int]]] = {}
    for name, s, e in hits:
        if name.startswith("u:"):
            unless.setdefault(name[2:], []).append((s, e))
    signals: Signals = {}

    def add(name: str, applied: FrozenSet[str], pos: int) -> None:
        found = level(name, applied, rules.context, rules.together)
        if found:
            _add(signals, name, found, pos)

    for name, s, e in hits:
        if not name.startswith("c:"):
            continue
        concept = name[2:]
        if any(us < e and s < ue for us, ue in unless.get(concept, ())):
            continue
        add(concept, applying((s, e), found_scopes, rules.context, signal=concept), t.tokens[s].start)

    def applied_at(offset: int) -> FrozenSet[str]:
        i = t.token_at(offset)
        return applying((i, i + 1), found_scopes, rules.context, readings=True)

    kept = []
    low, high = rules.thresholds["low_mgdl"], rules.thresholds["high_mgdl"]
    for r in find_readings(t.repaired, rules, lex.reading_words):
        applied = applied_at(r.pos)
        if level(None, applied, rules.context) is None:
            continue  # a number a cue drops ("what if she is 50"), whatever it would signal
        kept.append(r)
        if r.low_check is not None and r.low_check < low:
            add("reading_low", applied, r.pos)
        if r.high_check is not None and r.high_check > high:
            add("reading_high", applied, r.pos)
        if r.unit_unclear:
            add("unit_unclear", applied, r.pos)
        elif r.low_check is not None and r.high_check is not None and low <= r.low_check and r.high_check <= high:
            add("reading_in_range", applied, r.pos)  # a number that says "no concern"
    for name, pos in zip(("meter_hi", "meter_lo"), meter_flags(t.repaired, lex.regexes), strict=False):
        if pos is not None:
            add(name, applied_at(pos), pos)
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
        language=lex.language,
        and_word=lex.and_word,
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
