"""Topic answers: one YAML entry per handout topic, checked field by field."""
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Tuple

from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import check_keys, read_mapping, text_field

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
    raw = read_mapping(path, "topics")
    if not isinstance(raw, list) or not raw:
        raise KnowledgeError(path, "must be a non-empty list of topics", field="topics")
    return [_parse_topic(entry, path, index) for index, entry in enumerate(raw)]


def _parse_topic(entry: Any, path: Path, index: int) -> Topic:
    if not isinstance(entry, dict):
        raise KnowledgeError(path, f"topic #{index + 1} must be a mapping")
    topic_id = entry.get("id") if isinstance(entry.get("id"), str) else f"#{index + 1}"
    check_keys(entry, TOPIC_FIELDS, (), path, topic_id)
    source = entry["source"]
    if not isinstance(source, dict):
        raise KnowledgeError(path, "must have 'document' and 'section'", topic_id, "source")
    check_keys(source, ("document", "section"), (), path, topic_id)
    related = entry["related"]
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        raise KnowledgeError(path, "must be a list of topic ids", topic_id, "related")
    if len(related) > 3:
        raise KnowledgeError(path, "at most 3 related topics", topic_id, "related")
    return Topic(
        id=text_field(entry, "id", path, topic_id),
        intent=text_field(entry, "intent", path, topic_id),
        title=text_field(entry, "title", path, topic_id),
        answer=text_field(entry, "answer", path, topic_id),
        sms=text_field(entry, "sms", path, topic_id),
        source=Source(
            document=text_field(source, "document", path, topic_id),
            section=text_field(source, "section", path, topic_id),
        ),
        related=tuple(related),
        file=str(path),
    )


def check_sources(topics: List[Topic], sources: Dict[str, Dict[str, Any]]) -> None:
    """Every topic cites a known document and one of its section headings."""
    for topic in topics:
        document = sources.get(topic.source.document)
        if document is None:
            raise KnowledgeError(
                topic.file, f"unknown document '{topic.source.document}'", topic.id, "source.document"
            )
        if topic.source.section not in document["sections"]:
            raise KnowledgeError(
                topic.file,
                f"section '{topic.source.section}' is not a section of {topic.source.document}",
                topic.id,
                "source.section",
            )
