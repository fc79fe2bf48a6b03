"""The knowledge repository: everything in knowledge/, loaded and cross-checked once."""
import string
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from bot import KNOWLEDGE_DIR
from bot.knowledge.contacts import CONTACT_FIELDS, load_contacts
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.terms import load_terms
from bot.knowledge.topics import SMS_MAX_CHARS, Topic, check_sources, load_topic_file
from bot.knowledge.yamlfile import check_keys, read_mapping, text_field

# Placeholders a reply may use beyond the contacts; filled per message by Rasa.
RUNTIME_PLACEHOLDERS = ("escalation_reason",)


class Knowledge:
    def __init__(self, root: Path = KNOWLEDGE_DIR, environ: Optional[Mapping[str, str]] = None):
        self.root = Path(root)
        self.contacts = load_contacts(self.root / "contacts.yml", environ)
        self.sources = _load_sources(self.root / "sources.yml")
        self.replies = _load_replies(self.root / "replies.yml")
        self.topics = _load_topics(self.root / "topics")
        self.terms = load_terms(self.root / "terms.yml")
        self.by_id: Dict[str, Topic] = {t.id: t for t in self.topics}
        self.by_intent: Dict[str, Topic] = {t.intent: t for t in self.topics}
        self._cross_check()

    def fill(self, text: str) -> str:
        """Put the configured contact details into a text."""
        return text.format(**self.contacts)

    def source_line(self, topic: Topic) -> str:
        title = self.sources[topic.source.document]["title"]
        return f"Source: {title}, {topic.source.section}"

    def _cross_check(self) -> None:
        seen_ids, seen_intents = set(), set()
        for topic in self.topics:
            if topic.id in seen_ids:
                raise KnowledgeError(topic.file, "duplicate topic id", topic.id, "id")
            if topic.intent in seen_intents:
                raise KnowledgeError(topic.file, "intent used by another topic", topic.id, "intent")
            seen_ids.add(topic.id)
            seen_intents.add(topic.intent)
        check_sources(self.topics, self.sources)
        for topic in self.topics:
            for related in topic.related:
                if related not in self.by_id or related == topic.id:
                    raise KnowledgeError(
                        topic.file, f"related topic '{related}' does not exist", topic.id, "related"
                    )
            for field in ("answer", "sms", "title"):
                _check_placeholders(getattr(topic, field), CONTACT_FIELDS, topic.file, topic.id, field)
            sms = self.fill(topic.sms)
            if len(sms) > SMS_MAX_CHARS:
                raise KnowledgeError(
                    topic.file,
                    f"SMS form is {len(sms)} characters with contacts filled in; the limit is {SMS_MAX_CHARS}",
                    topic.id,
                    "sms",
                )
        replies_file = self.root / "replies.yml"
        for name, text in self.replies.items():
            _check_placeholders(
                text, CONTACT_FIELDS + RUNTIME_PLACEHOLDERS, replies_file, None, name
            )


def _check_placeholders(text, allowed, file, topic, field) -> None:
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None and name not in allowed:
            raise KnowledgeError(
                file, f"unknown placeholder {{{name}}} (allowed: {', '.join(allowed)})", topic, field
            )


def _load_sources(path: Path) -> Dict[str, Dict]:
    raw = read_mapping(path, "sources")
    if not isinstance(raw, dict) or not raw:
        raise KnowledgeError(path, "must map document ids to documents", field="sources")
    for doc_id, doc in raw.items():
        if not isinstance(doc, dict):
            raise KnowledgeError(path, "must be a mapping", field=doc_id)
        check_keys(doc, ("title", "file", "sections"), (), path, doc_id)
        text_field(doc, "title", path, doc_id)
        if not isinstance(doc["sections"], list) or not doc["sections"]:
            raise KnowledgeError(path, "must be a non-empty list", doc_id, "sections")
    return raw


def _load_replies(path: Path) -> Dict[str, str]:
    raw = read_mapping(path, "replies")
    if not isinstance(raw, dict):
        raise KnowledgeError(path, "must map reply names to texts", field="replies")
    return {name: text_field(raw, name, path, None) for name in raw}


def _load_topics(folder: Path) -> List[Topic]:
    files = sorted(folder.glob("*.yml"))
    if not files:
        raise KnowledgeError(folder, "no topic files (*.yml) found")
    return [topic for path in files for topic in load_topic_file(path)]


@lru_cache(maxsize=1)
def get_knowledge() -> Knowledge:
    """The process-wide knowledge, loaded once (contacts read from the environment then)."""
    return Knowledge()
