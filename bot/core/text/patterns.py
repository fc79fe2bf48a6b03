"""A small pattern language over word tokens, for concepts and context cues.

A pattern is written in a lexicon as words separated by spaces:

    word        a base form matches every inflection ("wake": woke, woken,
                waking), an inflected form only itself ("confusing")
    a|b|c       one of these words ("a_b" in a choice is the phrase "a b")
    @name       one phrase of the word class `name` (a class may hold phrases);
                "@name|b" a phrase of the class or the word b
    @num        a number; @num:0-70 a number from 0 to 70
    x?          the element x is optional (a word, a|b or @name)
    ...         up to `gap` words (never across punctuation)
    A & B       A and B in the same sentence, in either order, at most `near`
                words apart (each side is a pattern without "&")

So "@cannot ... wake" matches "can not wake", "will not wake up",
"couldnt get her to wake", "can not be woken"; word order and inflection need
no new pattern. Matching walks the tokens once, trying only the patterns whose
first word is the token's word or lemma, so cost grows linearly with the text.
"""

import bisect
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple

# Tokens that end a sentence: "&" pairs and context scopes stop there.
HARD_BREAKS = frozenset({".", "!", "?", ";", "|", "\n"})
NUM = "@num"


@dataclass(frozen=True)
class Token:
    text: str  # the word after spelling and typo repair
    lemma: str
    start: int  # offset in the repaired, normalised text
    sentence: int

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum() or self.text[0] == "#"


@dataclass(frozen=True)
class Elem:
    kind: str  # "words" | "phrases" | "num" | "gap"
    words: FrozenSet[str] = frozenset()
    phrases: Tuple[Tuple[str, ...], ...] = ()
    optional: bool = False
    low: float = float("-inf")  # bounds of a "num"
    high: float = float("inf")
    by_first: Dict[str, List[Tuple[str, ...]]] = field(default_factory=dict, init=False, compare=False)

    def __post_init__(self) -> None:
        # Phrases by first word: one look-up per token instead of a scan.
        index: Dict[str, List[Tuple[str, ...]]] = {}
        for p in sorted(self.phrases, key=len, reverse=True):
            index.setdefault(p[0], []).append(p)
        object.__setattr__(self, "by_first", index)


class PatternError(ValueError):
    """A pattern that cannot be compiled; the loader adds file and field."""


Seq = Tuple[Elem, ...]


@dataclass(frozen=True)
class Pattern:
    source: str
    left: Seq
    right: Optional[Seq] = None  # set for "A & B"


def compile_pattern(source: str, classes: Dict[str, Tuple[Tuple[str, ...], ...]]) -> Pattern:
    """Compile one pattern; `classes` hold phrases as word tuples."""
    parts = source.split("&")
    if len(parts) > 2:
        raise PatternError("at most one '&' per pattern")
    seqs = [_compile_seq(p, classes) for p in parts]
    return Pattern(source, seqs[0], seqs[1] if len(seqs) == 2 else None)


def _compile_seq(source: str, classes) -> Seq:
    elems: List[Elem] = []
    for raw in source.split():
        if raw == "...":
            elems.append(Elem("gap"))
            continue
        optional = raw.endswith("?") and len(raw) > 1
        word = raw[:-1] if optional else raw
        if word == NUM or word.startswith(NUM + ":"):
            low, high = _bounds(word[len(NUM) + 1 :]) if ":" in word else (float("-inf"), float("inf"))
            elems.append(Elem("num", optional=optional, low=low, high=high))
        else:
            alternatives = [w for w in word.split("|") if w]
            if not alternatives:
                raise PatternError(f"empty word in {source!r}")
            if any(w.startswith("@") for w in alternatives):  # "@pump|it": a class among the choices
                phrases = set()
                for w in alternatives:
                    if w.startswith("@"):
                        if w[1:] not in classes:
                            raise PatternError(f"unknown word class '{w}'")
                        phrases |= set(classes[w[1:]])
                    else:
                        phrases.add(tuple(x for x in w.split("_") if x))
                elems.append(Elem("phrases", phrases=tuple(sorted(phrases)), optional=optional))
            elif any("_" in w for w in alternatives):  # "stand_for": a phrase among the choices
                phrases = {tuple(x for x in w.split("_") if x) for w in alternatives}
                elems.append(Elem("phrases", phrases=tuple(sorted(phrases)), optional=optional))
            else:
                elems.append(Elem("words", words=frozenset(alternatives), optional=optional))
    if not elems:
        raise PatternError("empty pattern")
    if elems[0].kind == "gap" or elems[-1].kind == "gap":
        raise PatternError("a pattern cannot start or end with '...'")
    if all(e.optional or e.kind == "gap" for e in elems):
        raise PatternError("a pattern needs at least one element that is not optional")
    return tuple(elems)


def _bounds(text: str) -> Tuple[float, float]:
    try:
        low, high = (float(x) for x in text.split("-"))
    except ValueError:
        raise PatternError(f"expected @num:LOW-HIGH, got '@num:{text}'") from None
    return low, high


def _max_len(seq: Seq, gap: int) -> int:
    return sum(gap if e.kind == "gap" else max((len(p) for p in e.phrases), default=1) for e in seq)


def first_keys(seq: Seq) -> FrozenSet[str]:
    """Words (or NUM) that can start a match of `seq`: the index keys."""
    keys: Set[str] = set()
    for elem in seq:
        if elem.kind == "words":
            keys |= elem.words
        elif elem.kind == "phrases":
            keys |= {p[0] for p in elem.phrases}
        elif elem.kind == "num":
            keys.add(NUM)
        if not elem.optional:
            break
    return frozenset(keys)


def _one(tok: Token, words: FrozenSet[str]) -> bool:
    return tok.text in words or tok.lemma in words


def _elem_ends(tokens: Sequence[Token], i: int, elem: Elem) -> Iterator[int]:
    if i >= len(tokens):
        return
    tok = tokens[i]
    if elem.kind == "words":
        if _one(tok, elem.words):
            yield i + 1
    elif elem.kind == "num":
        if tok.text[0].isdigit() and elem.low <= float(tok.text) <= elem.high:
            yield i + 1
    else:
        candidates = elem.by_first.get(tok.text, [])
        if tok.lemma != tok.text:
            candidates = candidates + elem.by_first.get(tok.lemma, [])
        for phrase in candidates:
            n = len(phrase)
            if i + n <= len(tokens) and all(
                tokens[i + k].text == w or tokens[i + k].lemma == w for k, w in enumerate(phrase[1:], 1)
            ):
                yield i + n


def match_seq(tokens: Sequence[Token], i: int, seq: Seq, gap: int, k: int = 0) -> Optional[int]:
    """End of the first match of seq[k:] at token i, or None."""
    if k == len(seq):
        return i
    elem = seq[k]
    if elem.kind == "gap":
        j = i
        for _ in range(gap + 1):
            end = match_seq(tokens, j, seq, gap, k + 1)
            if end is not None:
                return end
            if j >= len(tokens) or not tokens[j].is_word:
                return None
            j += 1
        return None
    for end in _elem_ends(tokens, i, elem):
        found = match_seq(tokens, end, seq, gap, k + 1)
        if found is not None:
            return found
    if elem.optional:
        return match_seq(tokens, i, seq, gap, k + 1)
    return None


class Matcher:
    """Finds every match of a set of named patterns in a token list."""

    def __init__(self, named: Sequence[Tuple[str, Pattern]], gap: int, near: int) -> None:
        self.gap, self.near = gap, near
        self.longest = 0  # longest possible match of one side, in tokens
        self.sides: List[Tuple[int, int, Seq]] = []  # (pattern index, side, seq)
        self.names = [name for name, _ in named]
        self.patterns = [p for _, p in named]
        self.index: Dict[str, List[int]] = {}
        for pi, pattern in enumerate(self.patterns):
            for side, seq in enumerate((pattern.left, pattern.right)):
                if seq is None:
                    continue
                si = len(self.sides)
                self.sides.append((pi, side, seq))
                self.longest = max(self.longest, _max_len(seq, gap))
                for key in first_keys(seq):
                    self.index.setdefault(key, []).append(si)

    def find(self, tokens: Sequence[Token]) -> List[Tuple[str, int, int]]:
        """(name, start, end) of every match; "&" patterns span both sides."""
        side_hits: Dict[int, List[Tuple[int, int]]] = {}
        for i, tok in enumerate(tokens):
            keys = (NUM, tok.text) if tok.text[0].isdigit() else (tok.text, tok.lemma)
            tried = set()
            for key in keys:
                for si in self.index.get(key, ()):
                    if si in tried:
                        continue
                    tried.add(si)
                    end = match_seq(tokens, i, self.sides[si][2], self.gap)
                    if end is not None and end > i:
                        side_hits.setdefault(si, []).append((i, end))
        found: List[Tuple[str, int, int]] = []
        pair: Dict[int, Dict[int, List[Tuple[int, int]]]] = {}
        for si, hits in side_hits.items():
            pi, side, _ = self.sides[si]
            if self.patterns[pi].right is None:
                found += [(self.names[pi], s, e) for s, e in hits]
            else:
                pair.setdefault(pi, {})[side] = hits
        for pi, sides in pair.items():
            if len(sides) < 2:
                continue
            right = sorted(sides[1])
            starts = [h[0] for h in right]
            for s1, e1 in sides[0]:
                # Only right-hand hits that start near this one can pair with it.
                lo = bisect.bisect_left(starts, s1 - self.near - self.longest)
                hi = bisect.bisect_right(starts, e1 + self.near)
                for s2, e2 in right[lo:hi]:
                    if tokens[s1].sentence != tokens[s2].sentence:
                        continue
                    if max(s1, s2) - min(e1, e2) <= self.near:
                        found.append((self.names[pi], min(s1, s2), max(e1, e2)))
        return found
