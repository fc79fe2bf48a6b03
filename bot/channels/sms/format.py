"""Pure SMS text handling: keywords, numbered options and splitting into parts."""

import logging
import re
from enum import Enum
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bot.channels.sms.texts import SmsTexts
from bot.core.text.normalise import fold
from bot.core.text.segments import part_limit

logger = logging.getLogger(__name__)

SMS_PART_CHARS = 320
MAX_PARTS = 3
# An escalation reply is never cut: before a conversation's language is known, or after a message
# in both, it is sent in both languages (bot.rasa.nlg), about 700 characters of UCS-2 with the pump
# failure advice.
ESCALATION_MAX_PARTS = 6
MAX_OPTIONS = 3


class Keyword(Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


# The carrier-standard words, and their Spanish counterparts; only a message
# that is just the word counts, so "please don't stop the pump" is an ordinary
# question. Each word also says which language to answer it in.
KEYWORDS: Dict[str, Tuple[Keyword, str]] = {
    **{w: (Keyword.OPT_OUT, "en") for w in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT")},
    **{w: (Keyword.OPT_IN, "en") for w in ("START", "UNSTOP", "YES")},
    "HELP": (Keyword.HELP, "en"),
    **{w: (Keyword.OPT_OUT, "es") for w in ("PARAR", "PARA", "ALTO", "CANCELAR", "BAJA", "DETENER")},
    **{w: (Keyword.OPT_IN, "es") for w in ("COMENZAR", "INICIAR", "REANUDAR", "ALTA")},
    "AYUDA": (Keyword.HELP, "es"),
}
_CHOICE = re.compile(r"^\s*([1-9])\s*[.)]?\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def parse_keyword(body: str) -> Optional[Tuple[Keyword, str]]:
    """(keyword, language to answer in) when the whole message is a keyword."""
    word = fold((body or "").strip().rstrip(".!").strip()).upper()
    return KEYWORDS.get(word)


def parse_choice(body: str, options: Sequence[str]) -> Optional[str]:
    """The payload of the numbered option the reply picks, if it picks one."""
    match = _CHOICE.match(body or "")
    if not match:
        return None
    index = int(match.group(1)) - 1
    return options[index] if index < len(options) else None


def numbered_options(buttons: Sequence[Dict[str, Any]], texts: SmsTexts) -> Tuple[str, List[str]]:
    """The options block to append and the payloads that "1", "2", "3" pick."""
    usable = [b for b in buttons if b.get("payload") and b.get("title")]
    if len(usable) > MAX_OPTIONS:
        logger.warning("SMS offers only the first %d of %d buttons", MAX_OPTIONS, len(usable))
    usable = usable[:MAX_OPTIONS]
    if not usable:
        return "", []
    lines = [texts.options_intro] + [texts.option(i + 1, b["title"]) for i, b in enumerate(usable)]
    return "\n".join(lines), [str(b["payload"]) for b in usable]


def split_sms(text: str, tail: str = "", limit: Optional[int] = None, max_parts: int = MAX_PARTS) -> List[str]:
    """Parts of at most `limit` characters, cut between sentences, at most `max_parts`.

    Without a `limit`, a part holds what PART_SEGMENTS segments hold in the
    text's encoding: 320 characters of GSM-7, 201 of UCS-2 (any accent).

    `tail` (the numbered options) is kept whole and dropped first when the
    parts would not fit, since the answer matters more than the menu. Beyond
    that, trailing sentences are dropped (and logged): knowledge SMS forms are
    checked to fit, so this only hits unexpectedly long texts.
    """
    if limit is None:
        limit = part_limit(text + tail, SMS_PART_CHARS)
    units = _units(text)
    if tail:
        parts = _pack(units + [("\n\n", tail)], limit)
        if len(parts) <= max_parts:
            return parts
        logger.warning("SMS options dropped: the answer needs all %d parts", max_parts)
    parts = _pack(units, limit)
    if len(parts) > max_parts:
        dropped = sum(len(p) for p in parts[max_parts:])
        logger.warning("SMS answer cut to %d parts; %d characters dropped", max_parts, dropped)
        parts = parts[:max_parts]
    return parts


def _units(text: str) -> List[Tuple[str, str]]:
    """(separator before, sentence) pairs; paragraph and line breaks are kept."""
    units: List[Tuple[str, str]] = []
    for _pi, paragraph in enumerate(re.split(r"\n\s*\n", (text or "").strip())):
        for li, line in enumerate(paragraph.splitlines()):
            for si, sentence in enumerate(_SENTENCE_END.split(line.strip())):
                if not sentence:
                    continue
                sep = " " if si else ("\n" if li else "\n\n")
                units.append((sep, sentence))
    return units


def _pack(units: List[Tuple[str, str]], limit: int) -> List[str]:
    parts: List[str] = []
    current = ""
    for sep, unit in units:
        for piece in _hard_split(unit, limit):
            candidate = current + sep + piece if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                parts.append(current)
                current = piece
            sep = " "
    if current:
        parts.append(current)
    return parts


def _hard_split(sentence: str, limit: int) -> List[str]:
    """A sentence longer than one part, cut between words (or inside a huge word)."""
    if len(sentence) <= limit:
        return [sentence]
    pieces, current = [], ""
    for word in sentence.split(" "):
        while len(word) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces
