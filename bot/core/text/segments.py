"""What a text costs as SMS: GSM-7 or UCS-2, and how many segments.

A text made only of GSM 03.38 characters goes as GSM-7: 160 characters in one
segment, 153 a segment once split (the extension characters ^{}[]~|€\\ count
twice). One character outside it (á, í, ó, ú, a curly quote, an emoji) sends
the whole text as UCS-2: 70 in one segment, 67 a segment once split. So a
Spanish reply with accents costs more than twice what the same length in
English does, and a reply's budget is set in segments, not characters.
"""

import math

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7, UCS2 = "GSM-7", "UCS-2"
# (characters in a single segment, characters a segment in a split text)
SEGMENT_SIZE = {GSM7: (160, 153), UCS2: (70, 67)}
# One SMS reply (a "part") may cost this many segments: 320 GSM-7 characters
# (the long-standing budget) fit in three, as do 201 UCS-2 characters.
PART_SEGMENTS = 3


def encoding(text: str) -> str:
    return GSM7 if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else UCS2


def units(text: str) -> int:
    """Length in the encoding's code units (GSM extension characters and UCS-2 surrogate pairs count 2)."""
    if encoding(text) == GSM7:
        return len(text) + sum(c in GSM7_EXTENSION for c in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    if not text:
        return 0
    single, split = SEGMENT_SIZE[encoding(text)]
    n = units(text)
    return 1 if n <= single else math.ceil(n / split)


def part_limit(text: str, max_chars: int = 320) -> int:
    """How many characters one reply part of this text may have: `max_chars` in GSM-7,
    what PART_SEGMENTS segments hold in UCS-2."""
    if encoding(text) == GSM7:
        return min(max_chars, PART_SEGMENTS * SEGMENT_SIZE[GSM7][1])
    return PART_SEGMENTS * SEGMENT_SIZE[UCS2][1]


def fits_one_part(text: str, max_chars: int = 320) -> bool:
    return segments(text) <= PART_SEGMENTS and len(text) <= max_chars
