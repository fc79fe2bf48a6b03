"""knowledge/understanding/rules.yml: the language-independent part of understanding
(sequences, numbered lists, themes and who answers them), checked against the topics."""

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

from bot import KNOWLEDGE_DIR
from bot.core.knowledge import get_knowledge
from bot.core.knowledge.shape import Shape, load_yaml

UNDERSTANDING_DIR = KNOWLEDGE_DIR / "understanding"
DEFAULT_PATH = UNDERSTANDING_DIR / "rules.yml"
GENERAL_THEME = "general"


@dataclass(frozen=True)
class Theme:
    who: str
    near: Optional[str]
    yields_to: Tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    languages: Tuple[str, ...]
    max_topics: int
    followup_minutes: float
    classifier_alone: float  # a topic no `about` pattern shows is answered when the classifier is this sure
    classifier_overrules: float  # and overrules the topic the words show when this sure
    # (classifier_alone, classifier_overrules) of a language whose own differ (rules.yml `by_language`)
    by_language: Dict[str, Tuple[float, float]]
    sequences: Dict[str, Tuple[str, ...]]
    lists: Dict[str, Tuple[str, ...]]
    referrals: Tuple[str, ...]
    themes: Dict[str, Theme]
    topics: Tuple[str, ...]  # every topic id of knowledge/topics/
    # topic -> broader topics it goes before when a message shows both (rules.yml `narrower`)
    narrower: Dict[str, Tuple[str, ...]] = field(default_factory=dict)

    def thresholds(self, language: str) -> Tuple[float, float]:
        """(classifier_alone, classifier_overrules) for messages in this language."""
        return self.by_language.get(language, (self.classifier_alone, self.classifier_overrules))


def load_rules(path: Union[str, Path, None] = None) -> Rules:
    return _default() if path is None else _load(Path(path))


@functools.lru_cache(maxsize=1)
def _default() -> Rules:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> Rules:
    s = Shape(path)
    top = s.mapping(
        load_yaml(path),
        "",
        (
            "languages",
            "max_topics",
            "followup_minutes",
            "classifier_alone",
            "classifier_overrules",
            "sequences",
            "lists",
            "referrals",
            "themes",
        ),
        ("by_language", "narrower"),
    )
    topics = tuple(get_knowledge().by_id)

    def topic_ids(value, field: str) -> Tuple[str, ...]:
        ids = s.strings(value, field)
        for i, topic in enumerate(ids):
            if topic not in topics:
                raise s.error(f"{field}[{i}]", f"unknown topic '{topic}' (knowledge/topics/)")
        return ids

    sequences = {
        str(k): topic_ids(v, f"sequences.{k}")
        for k, v in s.mapping(top["sequences"], "sequences", optional=None).items()
    }
    lists = {}
    for key, value in s.mapping(top["lists"], "lists", optional=None).items():
        if key not in topics:
            raise s.error(f"lists.{key}", f"unknown topic '{key}' (knowledge/topics/)")
        lists[str(key)] = topic_ids(value, f"lists.{key}")
    referrals = s.strings(top["referrals"], "referrals")
    themes = {}
    for name, body in s.mapping(top["themes"], "themes", optional=None).items():
        field = f"themes.{name}"
        body = s.mapping(body, field, ("who",), ("near", "yields_to"))
        who = s.choice(body["who"], f"{field}.who", referrals)
        near = topic_ids([body["near"]], f"{field}.near")[0] if body.get("near") else None
        yields_to = topic_ids(body["yields_to"], f"{field}.yields_to") if body.get("yields_to") else ()
        themes[str(name)] = Theme(who, near, yields_to)
    languages = s.strings(top["languages"], "languages")
    by_language = {}
    for language, body in s.mapping(top.get("by_language") or {}, "by_language", optional=languages).items():
        field = f"by_language.{language}"
        body = s.mapping(body, field, ("classifier_alone", "classifier_overrules"))
        # Any confidence here: a language may leave its classifier's answer standing (rules.yml says why).
        by_language[str(language)] = (
            _confidence(s, body["classifier_alone"], f"{field}.classifier_alone", low=0.0),
            _confidence(s, body["classifier_overrules"], f"{field}.classifier_overrules"),
        )
    narrower = {}
    for key, value in s.mapping(top.get("narrower") or {}, "narrower", optional=None).items():
        if key not in topics:
            raise s.error(f"narrower.{key}", f"unknown topic '{key}' (knowledge/topics/)")
        narrower[str(key)] = topic_ids(value, f"narrower.{key}")
        if key in narrower[str(key)]:
            raise s.error(f"narrower.{key}", "a topic cannot be narrower than itself")
    if GENERAL_THEME not in themes:
        raise s.error("themes", f"missing the '{GENERAL_THEME}' theme (a pump question no theme names)")
    return Rules(
        languages=languages,
        max_topics=s.whole(top["max_topics"], "max_topics", 1),
        followup_minutes=s.number(top["followup_minutes"], "followup_minutes"),
        classifier_alone=_confidence(s, top["classifier_alone"], "classifier_alone"),
        classifier_overrules=_confidence(s, top["classifier_overrules"], "classifier_overrules"),
        sequences=sequences,
        lists=lists,
        referrals=referrals,
        by_language=by_language,
        themes=themes,
        topics=topics,
        narrower=narrower,
    )


def _confidence(s: Shape, value, field: str, low: float = 0.5) -> float:
    number = s.number(value, field)
    if not low <= number <= 1.0:  # the usual floor, 0.5: below it a second topic could be as likely
        raise s.error(field, f"expected a confidence between {low} and 1.0, got {value!r}")
    return number
