"""Numbers written as words ("forty five", "three hundred and ten", "two point eight",
"cuarenta y cinco", "doscientos cincuenta", "dos punto ocho", "two ninety") as digits.

Dictated messages spell numbers out; the readings finder reads digits. The
words are each language's (the lexicon's `numbers` section). A lone "one" stays
a word ("the wrong one", "no one"): it is never a reading.
"""

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple


@dataclass(frozen=True)
class NumberWords:
    ones: Dict[str, int]  # one..nineteen
    tens: Dict[str, int]  # twenty..ninety
    hundreds: Dict[str, int]  # words that are a whole hundreds value ("doscientos": 200)
    hundred: Tuple[str, ...]  # words that multiply by 100 ("hundred")
    point: Tuple[str, ...]  # the decimal point ("point")
    joiners: Tuple[str, ...]  # words allowed inside a number ("and", "y")
    decades: Tuple[str, ...] = ()  # words that end a decade ("hundreds", "fifties", "cincuentas")
    # "two ninety" is 290 when its tens are at least this (0: never). Below sixty such words are
    # as often a time of day ("at two thirty"), so a lexicon sets 60.
    spoken_hundreds_from: int = 0

    def is_number_word(self, word: str) -> bool:
        return word in self.ones or word in self.tens or word in self.hundreds or word in self.hundred

    def spell(self, text: str) -> str:
        """`text` with every run of number words replaced by its digits."""
        words = list(re.finditer(r"[a-z]+", text))
        out: List[str] = []
        last, i = 0, 0
        while i < len(words):
            value, end = self._run(words, i, text)
            if value is None:
                i += 1
                continue
            out.append(text[last : words[i].start()])
            tail = words[end - 1].group()
            # "the three hundreds", "in the fifties": a decade, as "300s", "50s"
            plural = tail in self.decades and "." not in value
            out.append(value + ("s" if plural else ""))
            last, i = words[end - 1].end(), end
        out.append(text[last:])
        return "".join(out)

    def _run(self, words, i: int, text: str) -> Tuple[Optional[str], int]:
        """The digits of the number starting at words[i], and the index after it."""
        whole, j = self._whole(words, i, text)
        if whole is None:
            return None, i
        if (
            j + 1 < len(words)
            and words[j].group() in self.point
            and _adjacent(words, j, text)
            and words[j + 1].group() in self.ones
            and self.ones[words[j + 1].group()] < 10
        ):
            return f"{whole}.{self.ones[words[j + 1].group()]}", j + 2
        only = words[i].group()
        if j == i + 1 and only in self.ones and self.ones[only] < 2:
            return None, i  # a lone "one"
        return str(whole), j

    def _whole(self, words, i: int, text: str) -> Tuple[Optional[int], int]:
        current, j, seen = 0, i, False
        while j < len(words):
            word = words[j].group()
            if j > i and not _adjacent(words, j, text):
                break
            # "three hundred and ten", "cuarenta y cinco": a joiner only after tens or hundreds
            if (
                word in self.joiners
                and current >= 20
                and current % 10 == 0
                and j + 1 < len(words)
                and self.is_number_word(words[j + 1].group())
            ):
                j += 1
                continue
            if word in self.hundreds and not current:
                current = self.hundreds[word]
            elif word in self.hundred and 0 < current < 10:
                current *= 100
            elif word in self.tens and current % 100 == 0:
                current += self.tens[word]
            elif (
                word in self.tens
                and j == i + 1
                and 0 < current < 10
                and 0 < self.spoken_hundreds_from <= self.tens[word]
                and word not in self.decades
            ):
                current = current * 100 + self.tens[word]  # "two ninety": 290, as readings are said
            elif word in self.ones and current % 10 == 0 and (current % 100 == 0 or self.ones[word] < 10):
                current += self.ones[word]
            else:
                break
            seen = True
            j += 1
        return (current, j) if seen else (None, i)


def _adjacent(words, j: int, text: str) -> bool:
    """Only spaces or a hyphen between words[j-1] and words[j]: "forty-five", not "forty, five"."""
    between = text[words[j - 1].end() : words[j].start()]
    return between.strip(" -") == ""
