"""Which language a family's message is in: English, Spanish, another, or too short to tell.

Texting messages are short and often unaccented ("q es la semana de suero"),
which is where statistical detectors are weakest, so the detector's confidence
(lingua, offline: its models ship in the wheel) is added to a count of marker
words from knowledge/language.yml. A message that does not clearly decide
keeps the conversation's language (`None` here); a message in a language the
assistant does not answer gets "other" only when the detector is sure and no
English or Spanish word is in it. Script alone decides non-Latin messages.

Nothing safety-related depends on this: escalation reads every message with
every language's lexicon; the language only picks the words of the reply.
"""

import dataclasses
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Mapping, Optional, Tuple

from bot import KNOWLEDGE_DIR
from bot.core.knowledge.shape import Shape
from bot.core.text.normalise import fold

OTHER = "other"
MAX_CHARS = 500  # the start of a long message tells its language as well as the whole
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@dataclass(frozen=True)
class LanguageSettings:
    answers: Tuple[str, ...]  # the first is the default
    detector: Tuple[str, ...]
    marker_weight: float
    min_score: float
    min_margin: float
    other_min_confidence: float
    other_max_marker_share: float
    short_words: int
    markers: Mapping[str, FrozenSet[str]]
    switch: Mapping[str, str]  # folded whole message -> language
    # Texting words of every answer language ("ok", "lol"): never "another language", never one of ours.
    neutral: FrozenSet[str] = frozenset()
    # A message with marker words of two answer languages is answered in `mixed_prefers`
    # when it has at least as many of its marker words, and two or more.
    mixed_prefers: Optional[str] = None
    # Marker words that do not show a message mixes in their language (see mixed_with).
    not_mixing: Mapping[str, FrozenSet[str]] = dataclasses.field(default_factory=dict)

    @property
    def default(self) -> str:
        return self.answers[0]


def load_settings(path=None) -> LanguageSettings:
    path = path or KNOWLEDGE_DIR / "language.yml"
    s = Shape(path)
    raw = s.mapping(
        s.document("language"),
        "language",
        (
            "answers",
            "detector",
            "marker_weight",
            "min_score",
            "min_margin",
            "other_min_confidence",
            "other_max_marker_share",
            "short_words",
            "markers",
            "switch",
        ),
        ("neutral", "mixed_prefers", "not_mixing"),
    )
    answers = _codes(s, raw["answers"], "language.answers")
    detector = _codes(s, raw["detector"], "language.detector")
    for code in answers:
        if code not in detector:
            raise s.error("language.detector", f"must include every answer language ('{code}' is missing)")
    numbers: Dict[str, float] = {}
    short_words = s.whole(raw["short_words"], "language.short_words")
    for key in ("marker_weight", "min_score", "min_margin", "other_min_confidence", "other_max_marker_share"):
        numbers[key] = s.number(raw[key], f"language.{key}")
        if not 0 <= numbers[key] <= 2:
            raise s.error(f"language.{key}", "must be a number between 0 and 2")
    markers: Dict[str, FrozenSet[str]] = {}
    s.mapping(raw["markers"], "language.markers", answers)
    for code in answers:
        markers[code] = frozenset(fold(w) for w in s.strings(raw["markers"][code], f"language.markers.{code}"))
    shared = set.intersection(*(set(m) for m in markers.values())) if len(markers) > 1 else set()
    if shared:
        raise s.error("language.markers", f"a marker word must belong to one language: {sorted(shared)}")
    switch: Dict[str, str] = {}
    s.mapping(raw["switch"], "language.switch", answers)
    for code in answers:
        switch.update({_switch_key(p): code for p in s.strings(raw["switch"][code], f"language.switch.{code}")})
    neutral = frozenset(fold(w) for w in s.strings(raw.get("neutral") or [], "language.neutral"))
    mixed_prefers = raw.get("mixed_prefers")
    if mixed_prefers is not None and mixed_prefers not in answers:
        raise s.error("language.mixed_prefers", f"must be one of the answer languages {list(answers)}")
    not_mixing: Dict[str, FrozenSet[str]] = {}
    if raw.get("not_mixing") is not None:
        s.mapping(raw["not_mixing"], "language.not_mixing", (), answers)
        for code, words in raw["not_mixing"].items():
            field = f"language.not_mixing.{code}"
            not_mixing[code] = frozenset(fold(w) for w in s.strings(words, field))
            unmarked = sorted(not_mixing[code] - markers[code])
            if unmarked:
                raise s.error(field, f"must be marker words of '{code}' (these are not: {unmarked})")
    marked_too = sorted(neutral & set().union(*markers.values()))
    if marked_too:
        raise s.error("language.neutral", f"a neutral word is no marker: {marked_too}")
    return LanguageSettings(
        answers=answers,
        detector=detector,
        markers=markers,
        switch=switch,
        short_words=short_words,
        neutral=neutral,
        mixed_prefers=mixed_prefers,
        not_mixing=not_mixing,
        **numbers,
    )


def _codes(s: Shape, value, field: str) -> Tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(c, str) and len(c) == 2 for c in value):
        raise s.error(field, "must be a list of two-letter language codes (ISO 639-1)")
    return tuple(value)


def _words(text: str) -> List[str]:
    """The message's words as marker lists hold them: folded, apostrophes dropped ("don't" -> "dont")."""
    return _WORD.findall(fold(text).replace("'", ""))


def _switch_key(text: str) -> str:
    return " ".join(_WORD.findall(fold(text)))


@functools.lru_cache(maxsize=1)
def settings() -> LanguageSettings:
    return load_settings()


class LanguageDetector:
    def __init__(self, config: Optional[LanguageSettings] = None) -> None:
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        self.settings = config or settings()
        known = {c.lower(): getattr(IsoCode639_1, c) for c in dir(IsoCode639_1) if len(c) == 2 and c.isupper()}
        unknown = [c for c in self.settings.detector if c not in known]
        if unknown:
            raise ValueError(f"knowledge/language.yml: language.detector: unknown codes {unknown}")
        self._lingua = (
            LanguageDetectorBuilder.from_iso_codes_639_1(*(known[c] for c in self.settings.detector))
            .with_preloaded_language_models()
            .build()
        )

    def switch_to(self, text: str) -> Optional[str]:
        """The language a whole-message switch ("ESPAÑOL", "english") asks for."""
        return self.settings.switch.get(_switch_key(text or ""))

    def detect(self, text: str) -> Optional[str]:
        """'en', 'es' (an answer language), 'other', or None when the message does not tell."""
        text = (text or "").strip()[:MAX_CHARS]
        if not text or text.startswith("/"):
            return None
        letters = [c for c in text if c.isalpha()]
        if not letters:
            return None
        latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
        if latin < len(letters) / 2:
            return OTHER
        words = _words(text)
        if not words:
            return None
        marks = {code: sum(w in m for w in words) for code, m in self.settings.markers.items()}
        neutral = sum(w in self.settings.neutral for w in words)
        confidence = {
            v.language.iso_code_639_1.name.lower(): v.value
            for v in self._lingua.compute_language_confidence_values(text)
        }
        cfg = self.settings
        top_other = max((c for c in confidence if c not in cfg.answers), key=lambda c: confidence[c], default=None)
        if (
            top_other is not None
            and len(words) >= 2
            and confidence[top_other] >= cfg.other_min_confidence
            and sum(marks.values()) + neutral <= len(words) * cfg.other_max_marker_share
        ):
            return OTHER
        # Spanglish: both languages' words, and at least two of `mixed_prefers` and no fewer.
        marked = [c for c in cfg.answers if marks[c]]
        prefer = cfg.mixed_prefers
        if prefer and len(marked) > 1 and marks[prefer] >= max(2, *marks.values()):
            return prefer
        scores = sorted(((confidence.get(c, 0.0) + cfg.marker_weight * marks[c], c) for c in cfg.answers), reverse=True)
        (best, code), (second, _) = scores[0], scores[1]
        if best >= cfg.min_score and best - second >= cfg.min_margin:
            return code
        # A short message the detector cannot place: its marker words, if
        # they are all of one language.
        if len(marked) == 1 and len(words) <= cfg.short_words:
            return marked[0]
        return None

    def mixed_with(self, text: str, language: Optional[str]) -> Tuple[str, ...]:
        """The other answer languages whose marker words (not `not_mixing`) the message has: an
        escalation reply to it goes out in those too (bot.rasa.nlg, bot.channels.unavailable)."""
        words = set(_words((text or "")[:MAX_CHARS]))
        cfg = self.settings
        return tuple(
            code
            for code in cfg.answers
            if code != language and words & (cfg.markers[code] - cfg.not_mixing.get(code, frozenset()))
        )

    def conversation_language(self, text: str, current: Optional[str]) -> str:
        """The language to answer this message in: a switch, the message's own, or the conversation's."""
        found = self.switch_to(text) or self.detect(text)
        if found in self.settings.answers:
            return found
        return current if current in self.settings.answers else self.settings.default


@functools.lru_cache(maxsize=1)
def get_detector() -> LanguageDetector:
    """The process-wide detector (its models load once, about a second)."""
    return LanguageDetector()


def reply_language(text: str) -> str:
    """The language to answer a message in when there is no conversation to ask (store down, channel texts)."""
    return get_detector().conversation_language(text, None)


def together(texts: List[str]) -> str:
    """One reply of the same reply in several languages: when each begins with a line of its own
    (the emergency's "Call 911 now."), those lines first, side by side; then each text's rest."""
    texts = [t.strip() for t in texts if t and t.strip()]
    split = [t.split("\n", 1) for t in texts]
    if len(texts) > 1 and all(len(parts) == 2 for parts in split):
        return "\n".join([" / ".join(p[0].strip() for p in split), *(p[1].strip() for p in split)])
    return "\n".join(texts)
