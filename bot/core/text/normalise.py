"""Text normalisation shared by the readings finder and the concept matcher.

Families type on phones in any script and shorthand, so before anything looks
for a reading or a sign the text is made regular, in one linear pass each:

* Unicode NFKC (full-width digits and letters, ligatures), every other
  decimal digit (Arabic-Indic, Devanagari, ...) to ASCII, variation selectors
  and zero-width characters dropped, curly quotes straightened;
* lower case, accents dropped ("despertó" -> "desperto": families often type
  without them, and lexicons are written without them);
* decimal commas ("2,1 mmol" -> "2.1"): a comma between a number and exactly
  one digit; thousands lose their comma ("1,200" -> "1200"); "45, 50" stays;
* units glued, plural or misspelt ("19mmols", "mmol/lt", "52mgs", "mg/dls",
  "mml", "5.2mM") become one spelling each: "mmol", "mg/dl" or "mg";
* `defuse` patterns (phone numbers, clock times, dates, ...) turn their
  digits into '#', so they are never readings;
* apostrophes removed ("won't" -> "wont"), whitespace collapsed.

The result has the same meaning in fewer spellings; offsets refer to it.
"""

import re
import unicodedata
from typing import Pattern

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u201c": '"', "\u201d": '"'})
# Zero-width characters and emoji variation selectors carry no meaning here.
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufe00-\ufe0f]")
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")  # Arabic-Indic, Devanagari, full-width ... digits
_LATIN_MARKS = re.compile("[\u0300-\u036f]")  # Combining Diacritical Marks: all nonspacing (Mn)
_DECIMAL_COMMA = re.compile(r"(?<![\d,.])(\d{1,2}),(\d)(?![\d,])")
_BARE_DECIMAL = re.compile(r"(?<![\w.])\.(\d)")  # ".4 units" -> "0.4 units"
_THOUSANDS = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?![\d,])")
# "5.2mM" is millimolar only in this exact case; "5mm" (a needle) is not.
_MILLIMOLAR = re.compile(r"(\d)\s?mM\b")
_MMOL = re.compile(r"(?<![a-z])(?:mmol(?:e?s)?(?:\s?/\s?l(?:itre|iter|t|tr)?s?|l)?|mml)(?![a-z])")
_MGDL = re.compile(r"(?<![a-z])(?:mg\s?/\s?dl|mgdl)s?(?![a-z])")
_MGS = re.compile(r"(?<![a-z])mgs(?![a-z])")  # "43mgs": plain mg, a glucose unit only next to glucose words
_GLUED = re.compile(r"(\d)(mmol|mg/dl|mg)(?![a-z])")
# "7yo", "12y/o", "9yrs": an age, read as "7 yo" so the age words apply.
_GLUED_AGE = re.compile(r"(\d)(yo|y/o|yrs?|yos)(?![a-z])")
# "300ish": about 300, read as "300 ish".
_GLUED_ABOUT = re.compile(r"(\d)(ish)(?![a-z])")


def fold(text: str) -> str:
    """Unicode-normal, lower-case, accent-free, ASCII-digit form of `text`."""
    if text.isascii():  # the same result, without the Unicode passes (lemma tables fold a million words)
        t = _MILLIMOLAR.sub(r"\1 mmol", text) if "mM" in text else text
        return t.lower().replace("`", "'")
    t = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    t = _MILLIMOLAR.sub(r"\1 mmol", t) if "mM" in t else t
    if _OTHER_DIGIT.search(t):
        t = "".join(_ascii_digit(c) for c in t)
    t = t.lower().translate(_QUOTES)
    decomposed = unicodedata.normalize("NFD", t)
    latin = _LATIN_MARKS.sub("", decomposed)
    if latin.isascii():  # accented Latin letters only: their marks are gone
        return latin
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def _ascii_digit(c: str) -> str:
    if c.isdigit() and not c.isascii():
        value = unicodedata.decimal(c, None)
        return str(value) if value is not None else c
    return c


# A capital O typed for a zero at the end of a number ("35O", "1OO"); only capital, so a folded
# Spanish ordinal ("2º" -> "2o") stays what it is.
_O_FOR_ZERO = re.compile(r"\b(\d{1,3})(O{1,2})\b")
# An ascending range said with "to" reads like one with a dash ("250 to 300" as "250-300");
# a descending one is a change ("from 300 to 150"), left to the words around it.
_RANGE_TO = re.compile(r"\b(\d{2,3}) to (\d{2,3})\b")


def _range(m: "re.Match[str]") -> str:
    low, high = int(m.group(1)), int(m.group(2))
    return f"{low}-{high}" if low < high else m.group()


def normalise(text: str, defuse: Pattern) -> str:
    """The form every detector step reads (see the module docstring)."""
    t = _O_FOR_ZERO.sub(lambda m: m.group(1) + "0" * len(m.group(2)), text)
    t = fold(t)
    t = _RANGE_TO.sub(_range, t)
    t = _DECIMAL_COMMA.sub(r"\1.\2", _THOUSANDS.sub(lambda m: m.group().replace(",", ""), t))
    t = _BARE_DECIMAL.sub(r"0.\1", t)
    t = _MMOL.sub("mmol", t)
    t = _MGS.sub("mg", _MGDL.sub("mg/dl", t))
    t = _GLUED_ABOUT.sub(r"\1 \2", _GLUED_AGE.sub(r"\1 \2", _GLUED.sub(r"\1 \2", t)))
    t = defuse.sub(lambda m: re.sub(r"\d", "#", m.group()), t)
    t = t.replace("'", "")
    return re.sub(r"\s+", " ", t).strip()
