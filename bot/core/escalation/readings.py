"""Find blood-sugar readings in a family's message.

A number is a reading only when something ties it to blood sugar, because
families' messages are full of ages, days, counts, doses and times:

* an explicit glucose unit: "300 mg/dl", "3.9 mmol" ("mg" alone only with
  another tie, since "10 mg of zyrtec" is a drug dose);
* a subject form: "he's 310", "she was 45", "hes at 300", "and was 320".
  A whole number up to thresholds.age_max (21) here is an AGE ("she's 9",
  "she's 15") unless "at" comes first ("she's at 17" is a reading);
  decimals are never ages ("he's 3.2" is mmol/L);
* a glucose word up to window_words before it ("sugar is 25", "bg of 31",
  "dexcom says 265"), not crossing a sentence end, a topic blocker
  ("carbs were 60") or a new clause ("... and she has 2 brothers");
  or "45 on the meter" after it; or, past ages and counts, right after it
  ("300 readings all week");
* a decade form: "in the 300s", "high 200s", "60s";
* the first word of the message with nothing unknown after it: "55 and
  falling", "over 300 all night" (only numbers above the ambiguous range, so
  no age or count);
* the last word of the message after a comma, dash, colon or "and" (trailing_links), past the
  ambiguous range: "pale and sweaty, 55";
* "at" right before a number past the clock's hours: "Lily's at 45";
* a number past the ambiguous range said with when it was: "52 at recess";
* a reporting verb (weakest): "dropped to 50", "hit 400" -- only for numbers
  that cannot be small counts and when no unknown word follows.
Numbers followed by not_after words (years, days, units, kids ...), right
after not_before words (day, page, turns ...) or up to three words after
not_shortly_after words (ketones, A1c) are never readings, and `defuse`
patterns remove phone numbers, clock times, dates, percentages, heights,
A1c/ketone values and device model numbers before any of this.

Every word is the lexicon's (readings section of knowledge/escalation/<language>.yml),
so the examples above read in Spanish too: "esta en 300", "tiene 52" (a
subject left out: `subjectless_links`), "le salio en 45", "tiene 45 de
azucar" (`on_words`), "a las 3" (`time_words`), "y tiene 300"
(`clause_words`).
"""

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Pattern, Sequence, Tuple

from bot.core.escalation.rules import Rules

Phrase = Tuple[str, ...]
WordLists = Dict[str, Tuple[Phrase, ...]]

_TOKEN = re.compile(r"[a-z0-9#][a-z0-9#./+-]*[a-z0-9#+]|[a-z0-9#]|[^\sa-z0-9#]")
_STOPS = {".", "!", "?", ";"}


@dataclass(frozen=True)
class Reading:
    mgdl: Optional[float]  # representative value; None if the unit is unclear
    low_check: Optional[float]  # compared with low_mgdl (None: cannot be low)
    high_check: Optional[float]  # compared with high_mgdl (None: cannot be high)
    unit_unclear: bool
    pos: int  # character offset in the normalised text


class Phrases:
    """A word list of phrases, indexed by first and last word (a look-up per call)."""

    def __init__(self, phrases: Sequence[Phrase]) -> None:
        self.by_last: Dict[str, List[Phrase]] = {}
        self.by_first: Dict[str, List[Phrase]] = {}
        for p in sorted(set(phrases), key=len, reverse=True):
            self.by_last.setdefault(p[-1], []).append(p)
            self.by_first.setdefault(p[0], []).append(p)

    def back(self, tokens: Sequence[str], end: int) -> int:
        """Length of the longest phrase ending at tokens[end] (0 if none)."""
        for p in self.by_last.get(tokens[end], ()) if 0 <= end < len(tokens) else ():
            n = len(p)
            if end - n + 1 >= 0 and tuple(tokens[end - n + 1 : end + 1]) == p:
                return n
        return 0

    def at(self, tokens: Sequence[str], start: int) -> int:
        """Length of the longest phrase starting at tokens[start] (0 if none)."""
        for p in self.by_first.get(tokens[start], ()) if 0 <= start < len(tokens) else ():
            if tuple(tokens[start : start + len(p)]) == p:
                return len(p)
        return 0


def index_words(words: WordLists) -> Dict[str, Phrases]:
    """The readings word lists (and the combinations the finder asks for) as Phrases."""
    out = {k: Phrases(v) for k, v in words.items()}
    out["fill_or_compare"] = Phrases(words["filler_words"] + words["below_words"] + words["above_words"])
    out["fill_or_at"] = Phrases(words["filler_words"] + words["at_words"])
    return out


class _Finder:
    def __init__(self, text: str, rules: Rules, words: Dict[str, Phrases]) -> None:
        self.rules, self.w, self.th = rules, words, rules.thresholds
        matches = list(_TOKEN.finditer(text))
        self.tokens = [m.group() for m in matches]
        self.starts = [m.start() for m in matches]
        units = rules.units["mgdl"] + rules.units["mgdl_weak"] + rules.units["mmol"]
        self.units = set(units)
        alt = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
        self.num = re.compile(rf"(\d{{1,3}}(?:\.\d{{1,2}})?)(s?)({alt})?\+?")

    def parse(self, tok: str) -> List[Tuple[str, str, Optional[str]]]:
        """(number, plural, unit) for a number token; two for a range "100-180"."""
        parts = tok.split("-") if "-" in tok else [tok]
        out = []
        for part in parts:
            m = self.num.fullmatch(part)
            if not m:
                return []
            out.append((m.group(1), m.group(2), m.group(3)))
        return out

    def word_in(self, j: int, key: str) -> bool:
        """Whether a phrase of word list `key` ends at token j."""
        return j >= 0 and bool(self.w[key].back(self.tokens, j))

    def subject_form(self, i: int) -> Tuple[bool, bool, bool]:
        """(subject form, has 'at', subject can have an age) for token i."""
        j, at = i - 1, False
        if j >= 0 and self.tokens[j] == ")":  # "my son (12) is 345": skip the aside
            j = self._skip_aside(j)
        while j >= 0:
            n = self.w["fill_or_compare"].back(self.tokens, j)
            if self.w["at_words"].back(self.tokens, j):
                at, n = True, max(n, 1)
            if not n:
                break
            j -= n
        link = self.w["link_words"].back(self.tokens, j) if j >= 0 else 0
        k = j - link
        if k >= 0 and self.tokens[k] == ")":
            k = self._skip_aside(k)
        if k >= 0 and self.w["subject_words"].back(self.tokens, k):
            return True, at, not self.w["thing_subjects"].back(self.tokens, k)
        if k >= 0 and self.w["given_names"].back(self.tokens, k):  # "Emma is 290": the child by name
            return True, at, True
        # Subject left out: "she's 15 and was 320", or "was 30 at lunch".
        if link and (k < 0 or self.word_in(k, "clause_words") or self.word_in(k, "now_words")):
            return True, at, True
        if self.word_in(j, "subjectless_links"):  # "q hago, tiene 45"
            return True, at, True
        if link and at:  # "my 6 yo is at 400"
            return True, at, True
        return False, at, False

    def _skip_aside(self, j: int) -> int:
        """Index before the "(" matching the ")" at j (j itself if none is near)."""
        for k in range(j - 1, max(j - 6, -1), -1):
            if self.tokens[k] == "(":
                return k - 1
        return j

    def verb_form(self, i: int) -> bool:
        j = i - 1
        while j >= 0:
            if self.w["verb_words"].back(self.tokens, j):
                return True
            n = self.w["fill_or_at"].back(self.tokens, j)
            if not n:
                return False
            j -= n
        return False

    def linked_decimal(self, i: int, clean_next: bool) -> bool:
        """A decimal right after "is"/"was" ("Lily is 3.0", "his is 2.8"): never an age, so
        a reading unless a topic word (ratio, ketones, price ...) stands just before."""
        j = i - 1
        link = self.w["link_words"].back(self.tokens, j) if j >= 0 else 0
        if not link or not clean_next:
            return False
        return not any(self.w["blockers"].back(self.tokens, k) for k in range(max(0, j - link - 2), j - link + 1))

    def loose_decimal(self, i: int, clean_next: bool) -> bool:
        """A lone decimal at a clause start, "... and 2.9 right now": mmol/L."""
        prev = self.tokens[i - 1] if i else ""
        return clean_next and (
            not prev
            or self.word_in(i - 1, "clause_words")
            or self.word_in(i - 1, "now_words")
            or prev in _STOPS | {","}
        )

    def leading(self, i: int, value: float, clean_next: bool) -> bool:
        """A number that opens the message (after "over", "like", ...), beyond
        ages and counts, with nothing unknown after it: "55 and falling",
        "310 after dinner", "over 300 all night"."""
        j = i - 1
        while j >= 0:
            n = self.w["fill_or_compare"].back(self.tokens, j) or (not self.tokens[j][0].isalnum())  # an emoji
            if not n:
                return False
            j -= n
        return value > self.th["ambiguous_max"] and clean_next

    def trailing(self, i: int, value: float) -> bool:
        """A number past ages and counts that closes the message after a comma, dash, colon or
        "and" (`trailing_links`), as families add the reading to what they see: "pale and
        sweaty, 55", "shaky and 61"; or, set off by a comma, dash or colon, closes a clause
        that goes on with "and" or "but" ("spits the gel out, 52 and crying")."""
        rest = self.tokens[i + 1 :]
        if any(t[0].isalnum() or t == "#" for t in rest):
            set_off = i > 0 and self.tokens[i - 1] in (",", "-", ":")
            listed = len(rest) > 1 and rest[1][0].isdigit()  # "50 and 100 count" is a list
            goes_on = rest[0] in _CLAUSE_MARKS or bool(self.w["clause_goes_on"].at(self.tokens, i + 1))
            if not (set_off and goes_on) or listed:
                return False
        link = self.w["trailing_links"].back(self.tokens, i - 1) if i > 0 else 0
        # A decimal ("3.1") is no age or count: only whole numbers must be past them.
        if not link or (value <= self.th["ambiguous_max"] and value == int(value)):
            return False
        before = i - 1 - link
        return before < 0 or not self.tokens[before][0].isdigit()  # "ate 30 and 45" is a list

    def timed(self, nxt: int, value: float) -> bool:
        """A number past ages and counts said with when it was: "300 before bed", "52 at recess"."""
        if value <= self.th["ambiguous_max"]:
            return False
        link = self.w["when_links"].at(self.tokens, nxt)
        return bool(link) and bool(self.w["when_words"].at(self.tokens, nxt + link))

    def named_after(self, nxt: int, value: float) -> bool:
        """A number past ages and counts with a glucose word right after it: "300 readings all week"."""
        return value > self.th["ambiguous_max"] and bool(self.w["glucose_words"].at(self.tokens, nxt))

    def anchored(self, i: int) -> bool:
        """A glucose word within the window before token i, or "on the meter" after."""
        words, j = 0, i - 1
        while j >= 0 and words < self.th["window_words"]:
            tok = self.tokens[j]
            if tok in _STOPS or self.w["blockers"].back(self.tokens, j):
                break
            if self.w["glucose_words"].back(self.tokens, j):
                return True
            if self.word_in(j, "clause_words") and j + 1 < i and self.w["subject_words"].at(self.tokens, j + 1):
                break
            if tok[0].isalnum() or tok[0] == "#":
                words += 1
            j -= 1
        on = self.w["on_words"].at(self.tokens, i + 1)
        return bool(on) and bool(self.w["glucose_words"].at(self.tokens, i + 1 + on))

    def comparator(self, i: int) -> Optional[str]:
        below = self.w["below_words"].back(self.tokens, i - 1)
        if below:
            # "will not go under 300", "no baja de 300": held above the number, not under it.
            return "above" if self.w["not_below_before"].back(self.tokens, i - 1 - below) else "below"
        if self.w["above_words"].back(self.tokens, i - 1):
            return "above"
        return None

    def find(self) -> List["_Candidate"]:
        found = []
        for i, tok in enumerate(self.tokens):
            if tok[0].isdigit():
                for num, plural, unit in self.parse(tok):
                    cand = self.judge(i, num, bool(plural), unit)
                    if cand:
                        found.append(cand)
        return found

    def judge(self, i: int, num: str, plural: bool, unit: Optional[str]) -> Optional["_Candidate"]:
        value, tokens, w, th = float(num), self.tokens, self.w, self.th
        if value <= 0 or (i > 0 and w["not_before"].back(tokens, i - 1)):
            return None
        if any(w["not_shortly_after"].back(tokens, j) for j in range(max(0, i - 3), i)):
            return None  # "ketones were 0.4", "a1c is 7.2 this time"
        nxt = i + 1
        if unit is None and nxt < len(tokens) and tokens[nxt] in self.units:
            unit, nxt = tokens[nxt], nxt + 1
        elif unit is None and i > 0 and tokens[i - 1] in self.units:
            unit = tokens[i - 1]  # "mmol 17.2"
        if nxt < len(tokens) and w["not_after"].at(tokens, nxt):
            return None
        decimal = "." in num
        subject, at, aged = self.subject_form(i)
        if subject and aged and nxt < len(tokens) and w["own_age_after"].at(tokens, nxt):
            return None  # the writer's own age: "im 39 and my daughter ..." (not "the cgm reads 39 and ...")
        if subject and aged and not (at or decimal or plural or unit) and value <= th["age_max"]:
            return None  # an age: "she's 15", "my son is 9" (but "it's 3" and "she's 16 mmol" are not)
        if not subject and not decimal and value <= 12 and self.word_in(i - 1, "time_words"):
            return None  # a clock hour: "check her bg at 3"
        strong_unit = unit in self.rules.units["mgdl"] or unit in self.rules.units["mmol"]
        approx = w["approx_after"].at(tokens, nxt) if nxt < len(tokens) else 0
        nxt += approx  # "300 something": about 300, then what follows it
        clean_next = nxt >= len(tokens) or not tokens[nxt][0].isalpha() or bool(w["verb_followers"].at(tokens, nxt))
        if approx and value <= th["ambiguous_max"]:
            clean_next = False  # "30 something" may be an age: only a glucose word or a subject ties it
        if not strong_unit and not decimal and value < th["ambiguous_min"] and not clean_next:
            return None  # small whole numbers are mostly counts: "share for 2 phones"
        if plural and value < 40 and not (subject or self.anchored(i) or self.verb_form(i)):
            return None  # "her 20s" is an age decade; "running 17s" is not
        tied = (
            strong_unit
            or subject
            or plural
            or self.anchored(i)
            or self.named_after(nxt, value)
            or (decimal and (self.loose_decimal(i, clean_next) or self.linked_decimal(i, clean_next)))
            or self.leading(i, value, clean_next)
            or self.trailing(i, value)
            or self.timed(nxt, value)
            or (i > 0 and self.w["at_words"].back(tokens, i - 1) and value > 24 and clean_next)
        )
        # Weakest tie, a reporting verb: no small counts, no unknown word after.
        if not tied and not (self.verb_form(i) and clean_next and (decimal or value >= th["ambiguous_min"])):
            return None
        return _Candidate(value, decimal, plural, unit, tokens[i - 1] if i else "", self.comparator(i), self.starts[i])


@dataclass(frozen=True)
class _Candidate:
    value: float
    decimal: bool
    plural: bool
    unit: Optional[str]
    modifier: str  # word before, for "high 200s"
    comparator: Optional[str]  # "below" / "above" / None
    pos: int

    def family(self, rules: Rules) -> Optional[str]:
        """ "mgdl", "mmol", or None when the unit is unclear."""
        th, u, v = rules.thresholds, rules.units, self.value
        if self.unit in u["mmol"]:
            return "mgdl" if v > th["mmol_max"] else "mmol"  # "300 mmol" is a slip
        if self.unit is not None:
            return "mgdl"
        if self.decimal:
            return "mmol" if v <= th["mmol_max"] else "mgdl"
        if v < th["ambiguous_min"]:
            return "mmol"  # below any meter's mg/dL range
        if v <= th["ambiguous_max"]:
            return None  # 14..33: very low as mg/dL, high as mmol/L
        return "mgdl"


# After a number set off by a comma, marks that end its clause; the words that carry it on are
# each lexicon's `clause_goes_on` ("..., 52 and crying").
_CLAUSE_MARKS = frozenset({",", ".", "!", ";"})


def find_readings(text: str, rules: Rules, words: Dict[str, Phrases]) -> List[Reading]:
    """Readings in normalised text (bot.core.text.normalise), in order of appearance."""
    cands = _Finder(text, rules, words).find()
    # An unclear number takes the unit of the message's other readings when
    # they agree: in "sugar ran 13.5 to 16" the 16 is mmol/L.
    families = {c.family(rules) for c in cands} - {None}
    shared = families.pop() if len(families) == 1 else None
    out = []
    for c in cands:
        family = c.family(rules) or shared
        if family is None:
            out.append(Reading(None, None, None, True, c.pos))
            continue
        factor = rules.units["mmol_to_mgdl"] if family == "mmol" else 1.0
        mg = c.value * factor
        if mg > rules.thresholds["max_mgdl"]:
            continue  # beyond any meter: "is 911 the number to call"
        lo: Optional[float] = mg
        hi: Optional[float] = mg
        if c.plural:
            first, last = (x * factor for x in _decade(c.value, c.modifier, family))
            lo, hi = first, last
            # Report the start of the range, or of its escalating part ("250s" -> 259).
            high = rules.thresholds["high_mgdl"]
            mg = last if first <= high < last else first
        if c.comparator == "below":
            # "under 70" is certainly below 70; "under 300" is said to reassure.
            lo, hi = mg - 0.01, None
        elif c.comparator == "above":
            lo, hi = None, mg + 0.01
        out.append(Reading(mg, lo, hi, False, c.pos))
    return out


def _decade(value: float, modifier: str, family: str) -> Tuple[float, float]:
    """Range for "60s", "300s", "high 200s", "17s" (mmol): escalates if any part may."""
    if family == "mmol":
        return value, value + 0.9
    if value >= 100 and value % 100 == 0:
        span = {"low": (0, 33), "lower": (0, 33), "mid": (33, 66), "high": (66, 99), "upper": (66, 99)}
        a, b = span.get(modifier, (0, 99))
        return value + a, value + b
    return value, value + 9


def meter_flags(text: str, regexes: Dict[str, Pattern]) -> Tuple[Optional[int], Optional[int]]:
    """Positions of a meter/CGM "HI" and "LO" reading, if any."""

    def first(key: str) -> Optional[int]:
        m = regexes[key].search(text)
        return m.start() if m else None

    return first("meter_hi"), first("meter_lo")
