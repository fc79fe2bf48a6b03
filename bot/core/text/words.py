"""Words of one language: lemmas, texting forms and typo repair.

Lemmas come from spaCy's lookup tables (spacy-lookups-data, the same tables
the project's spaCy pipeline uses), so "woken", "waking" and "woke" are all
"wake" and a lexicon needs one form. Texting forms ("wont", "shes", "rn") are
expanded from the lexicon's `spelling` map. A word that is neither a known
word of the language nor a lexicon word is repaired to the nearest lexicon
word by edit distance (1 edit from 5 letters, 2 from 8: "siezure",
"vomitting", "unconcious", "konvulsing"), found with precomputed deletions
(SymSpell), so a message costs a few dictionary look-ups a word. Known words
and deletions are kept as sorted 64-bit hashes: a Spanish table has half a
million forms, which as Python strings would cost each process 90 MB.

Languages that join pronouns to verbs ("despertarla", "dandole", "tomarlo")
give those endings as `clitics`: a word that is an infinitive or gerund of
the language plus one of them has that verb's lemma, and is no typo.
"""

import ctypes
import functools
import gzip
import json
from array import array
from bisect import bisect_left
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple

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
    lemmas: Dict[str, str] = {}  # a lemma has many forms: fold it once
    for form, lemma in raw.items():
        if isinstance(form, str) and isinstance(lemma, str) and " " not in form:
            folded = lemmas.get(lemma)
            if folded is None:
                folded = lemmas[lemma] = fold(lemma)
            table.setdefault(fold(form), folded)
    return table


def _give_back_freed_memory() -> None:
    """Hand the pages the lemma table's load freed back to the system (glibc keeps them
    otherwise: about 60 MB a server process with both Spanish lexicons). Elsewhere a no-op."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


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


class WordSet:
    """A set of words as their sorted 64-bit hashes (8 bytes a word). A collision
    (about one in ten billion for a million words) only makes a word look known."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._hashes = array("q", sorted({hash(w) for w in words}))

    def __contains__(self, word: object) -> bool:
        return self._has(hash(word))

    def __or__(self, words: Iterable[str]) -> "WordSet":
        out = WordSet()
        extra = sorted({h for h in map(hash, words) if not self._has(h)})
        out._hashes = array("q", sorted([*self._hashes, *extra]))  # two sorted runs: a merge
        return out

    def _has(self, h: int) -> bool:
        i = bisect_left(self._hashes, h)
        return i < len(self._hashes) and self._hashes[i] == h

    def __len__(self) -> int:
        return len(self._hashes)


class Words:
    """Lemmatiser, spelling map and typo repair for one language."""

    def __init__(
        self,
        language: str,
        spelling: Dict[str, Tuple[str, ...]],
        keep: Iterable[str] = (),
        lemmas: Optional[Dict[str, str]] = None,
        clitics: Iterable[str] = (),
        verb_endings: Iterable[str] = (),
    ) -> None:
        # The lexicon's own lemmas first: the tables have slips ("does" -> "doe").
        self.table = {**lemma_table(language), **(lemmas or {})}
        self.spelling = spelling
        self.known = WordSet([*self.table, *self.table.values(), *keep])
        self.targets: Set[str] = set()
        self._target_list: List[str] = []
        # Longest first: "selo" before "lo".
        self.clitics = tuple(sorted(set(clitics), key=len, reverse=True))
        self.verb_endings = tuple(verb_endings)
        # deletion hashes, sorted, and the index in _target_list of the target each comes from
        self._delete_hashes = array("q")
        self._delete_targets = array("l")

    def lemma(self, word: str) -> str:
        found = self.table.get(word)
        if found is not None:
            return found
        stem = self.clitic_stem(word)
        return self.table.get(stem, stem) if stem else word

    def clitic_stem(self, word: str) -> Optional[str]:
        """The verb of "despertarla" ("despertar"), "dandoselo" ("dando"); None for other words."""
        for clitic in self.clitics:
            stem = word[: -len(clitic)]
            if not word.endswith(clitic) or len(stem) < 3:
                continue
            if stem.endswith(self.verb_endings) and (stem in self.known or stem in self.table):
                return stem
            inner = self.clitic_stem(stem)  # two pronouns: "darselo"
            if inner:
                return inner
        return None

    def keep_only(self, words: Iterable[str]) -> None:
        """Keep the lemmas of these words only: other lemmas never match a pattern,
        and the whole table would cost every server process megabytes."""
        wanted = set(words)
        kept = [(form, lem) for form, lem in self.table.items() if lem in wanted or form in wanted]
        self.table = {}
        # The words kept lie scattered among the table's half million, each pinning
        # a block of the allocator: copied out through one string, they move to
        # fresh blocks and the old ones go back to the system (70 MB for Spanish).
        n_pairs = 2 * len(kept)
        blob = "\n".join([*(w for pair in kept for w in pair), *self._target_list])
        del kept
        self.targets, self._target_list = set(), []
        fresh = blob.split("\n") if blob else []
        self.table = dict(zip(fresh[0:n_pairs:2], fresh[1:n_pairs:2], strict=True))
        self._target_list = fresh[n_pairs:]
        self.targets = set(self._target_list)
        _give_back_freed_memory()

    def add_targets(self, lemmas: Iterable[str]) -> None:
        """Make these lexicon words (and every form of them) targets of typo repair."""
        wanted = set(lemmas)
        forms = {w for w in wanted if w.isalpha()}
        forms |= {form for form, lem in self.table.items() if lem in wanted and form.isalpha()}
        pairs = list(zip(self._delete_hashes, self._delete_targets, strict=True))
        for form in sorted(forms):
            if form in self.targets or len(form) < MIN_FUZZY:
                continue
            self.targets.add(form)
            self._target_list.append(form)
            pairs += [(hash(d), len(self._target_list) - 1) for d in _deletes(form, allowed_edits(form)) | {form}]
        pairs.sort()
        self._delete_hashes = array("q", [h for h, _ in pairs])
        self._delete_targets = array("l", [t for _, t in pairs])

    def _targets_of(self, deletion: str) -> Iterator[str]:
        h = hash(deletion)
        i = bisect_left(self._delete_hashes, h)
        while i < len(self._delete_hashes) and self._delete_hashes[i] == h:
            yield self._target_list[self._delete_targets[i]]
            i += 1

    def repair(self, word: str) -> Optional[str]:
        """The lexicon word a misspelt `word` stands for, or None."""
        edits = allowed_edits(word)
        if not edits or len(word) > MAX_FUZZY or not word.isalpha() or word in self.known or word in self.targets:
            return None
        if self.clitics and self.clitic_stem(word):
            return None
        best: Optional[Tuple[int, str]] = None
        for d in _deletes(word, edits) | {word}:
            for target in self._targets_of(d):
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
