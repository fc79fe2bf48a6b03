"""Words of one language: lemmas, texting forms and typo repair.

Lemmas come from spaCy's lookup tables (spacy-lookups-data, the same tables
the project's spaCy pipeline uses), so "woken", "waking" and "woke" are all
"wake" and a lexicon needs one form. Texting forms ("wont", "shes", "rn") are
expanded from the lexicon's `spelling` map. A word that is neither a known
word of the language nor a lexicon word is repaired to the nearest lexicon
word by edit distance (1 edit from 5 letters, 2 from 8: "siezure",
"vomitting", "unconcious", "konvulsing"), found with precomputed deletions
(SymSpell), so a message costs a few dictionary look-ups a word.
"""

import functools
import gzip
import json
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Optional, Set, Tuple

MIN_FUZZY = 5  # shorter words are too easily another word
MAX_FUZZY = 20  # no lexicon word is longer: "aaaa..." costs nothing
LONG_WORD = 8  # from here, two edits are allowed


def lemma_table(language: str) -> Dict[str, str]:
    """spaCy's lookup lemma table for `language`, accents folded like the text."""
    import spacy_lookups_data

    from bot.core.text.normalise import fold

    path = Path(spacy_lookups_data.__file__).parent / "data" / f"{language}_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        raw = json.load(fh)
    table: Dict[str, str] = {}
    for form, lemma in raw.items():
        if isinstance(form, str) and isinstance(lemma, str) and " " not in form:
            table.setdefault(fold(form), fold(lemma))
    return table


def _deletes(word: str, edits: int) -> Set[str]:
    out, frontier = set(), {word}
    for _ in range(edits):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps)."""
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def allowed_edits(word: str) -> int:
    return 0 if len(word) < MIN_FUZZY else (1 if len(word) < LONG_WORD else 2)


class Words:
    """Lemmatiser, spelling map and typo repair for one language."""

    def __init__(
        self,
        language: str,
        spelling: Dict[str, Tuple[str, ...]],
        keep: Iterable[str] = (),
        lemmas: Optional[Dict[str, str]] = None,
    ) -> None:
        # The lexicon's own lemmas first: the tables have slips ("does" -> "doe").
        self.table = {**lemma_table(language), **(lemmas or {})}
        self.spelling = spelling
        self.known: FrozenSet[str] = frozenset(self.table) | frozenset(self.table.values()) | frozenset(keep)
        self.targets: Set[str] = set()
        # deletion -> the target words it comes from (a tuple: sets cost ten times the memory)
        self.deletes: Dict[str, Tuple[str, ...]] = {}

    def lemma(self, word: str) -> str:
        return self.table.get(word, word)

    def keep_only(self, words: Iterable[str]) -> None:
        """Keep the lemmas of these words only: other lemmas never match a pattern,
        and the whole table would cost every server process megabytes."""
        wanted = set(words)
        self.table = {form: lem for form, lem in self.table.items() if lem in wanted or form in wanted}

    def add_targets(self, lemmas: Iterable[str]) -> None:
        """Make these lexicon words (and every form of them) targets of typo repair."""
        wanted = set(lemmas)
        forms = {w for w in wanted if w.isalpha()}
        forms |= {form for form, lem in self.table.items() if lem in wanted and form.isalpha()}
        for form in forms:
            if form in self.targets or len(form) < MIN_FUZZY:
                continue
            self.targets.add(form)
            for d in _deletes(form, allowed_edits(form)) | {form}:
                self.deletes[d] = self.deletes.get(d, ()) + (form,)

    def repair(self, word: str) -> Optional[str]:
        """The lexicon word a misspelt `word` stands for, or None."""
        edits = allowed_edits(word)
        if not edits or len(word) > MAX_FUZZY or not word.isalpha() or word in self.known or word in self.targets:
            return None
        best: Optional[Tuple[int, str]] = None
        for d in _deletes(word, edits) | {word}:
            for target in self.deletes.get(d, ()):
                limit = min(edits, allowed_edits(target))
                dist = distance(word, target)
                if 0 < dist <= limit and (best is None or (dist, target) < best):
                    best = (dist, target)
        return best[1] if best else None

    # One Words per language lives as long as the process: caching on self is no leak.
    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def expand(self, word: str) -> Tuple[str, ...]:
        """Words that `word` stands for: texting forms spelt out, typos repaired."""
        if word in self.spelling:
            return self.spelling[word]
        fixed = self.repair(word)
        return (fixed,) if fixed else (word,)
