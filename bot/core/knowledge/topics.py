"""Topic answers: one YAML entry per handout topic, checked field by field."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from bot.core.knowledge.errors import KnowledgeError
from bot.core.knowledge.shape import Shape
from bot.core.text.segments import PART_SEGMENTS, encoding, fits_one_part, part_limit, segments

SMS_MAX_CHARS = 320
TOPIC_FIELDS = ("id", "intent", "title", "answer", "sms", "source", "related")


@dataclass(frozen=True)
class Source:
    document: str
    section: str


@dataclass(frozen=True)
class Topic:
    id: str
    intent: str
    title: str
    answer: str
    sms: str
    source: Source
    related: Tuple[str, ...]
    file: str


def load_topic_file(path: Path) -> List[Topic]:
    s = Shape(path)
    raw = s.document("topics")
    if not isinstance(raw, list) or not raw:
        raise s.error("topics", "must be a non-empty list of topics")
    return [_parse_topic(s, entry, index) for index, entry in enumerate(raw)]


def _parse_topic(s: Shape, entry: Any, index: int) -> Topic:
    if not isinstance(entry, dict):
        raise s.error("", f"topic #{index + 1} must be a mapping")
    topic_id = entry.get("id") if isinstance(entry.get("id"), str) else f"#{index + 1}"
    s.mapping(entry, "", TOPIC_FIELDS, topic=topic_id)
    source = entry["source"]
    if not isinstance(source, dict):
        raise s.error("source", "must have 'document' and 'section'", topic_id)
    s.mapping(source, "", ("document", "section"), topic=topic_id)
    related = entry["related"]
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        raise s.error("related", "must be a list of topic ids", topic_id)
    if len(related) > 3:
        raise s.error("related", "at most 3 related topics", topic_id)
    return Topic(
        id=s.text(entry["id"], "id", topic_id),
        intent=s.text(entry["intent"], "intent", topic_id),
        title=s.text(entry["title"], "title", topic_id),
        answer=s.text(entry["answer"], "answer", topic_id),
        sms=s.text(entry["sms"], "sms", topic_id),
        source=Source(
            document=s.text(source["document"], "document", topic_id),
            section=s.text(source["section"], "section", topic_id),
        ),
        related=tuple(related),
        file=str(s.path),
    )


def check_sources(topics: List[Topic], sources: Dict[str, Dict[str, Any]]) -> None:
    """Every topic cites a known document and one of its section headings."""
    for topic in topics:
        document = sources.get(topic.source.document)
        if document is None:
            raise KnowledgeError(topic.file, f"unknown document '{topic.source.document}'", topic.id, "source.document")
        if topic.source.section not in document["sections"]:
            raise KnowledgeError(
                topic.file,
                f"section '{topic.source.section}' is not a section of {topic.source.document}",
                topic.id,
                "source.section",
            )


def check_one_sms(text: str, file: Any, topic: Optional[str] = None, field: str = "sms") -> None:
    """A text sent as one SMS reply part (contacts filled in): at most SMS_MAX_CHARS characters and
    PART_SEGMENTS segments of its encoding (an accent outside GSM-7 makes it UCS-2)."""
    if not fits_one_part(text, SMS_MAX_CHARS):
        raise KnowledgeError(
            file,
            f"is {len(text)} characters ({encoding(text)}, {segments(text)} segments) with contacts filled "
            f"in; one SMS reply holds {SMS_MAX_CHARS} characters and {PART_SEGMENTS} segments "
            f"({part_limit(text, SMS_MAX_CHARS)} characters in {encoding(text)})",
            topic,
            field,
        )
