"""The knowledge repository: everything in knowledge/, loaded and cross-checked once."""

from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from bot import KNOWLEDGE_DIR
from bot.core.knowledge.contacts import CONTACT_FIELDS, load_contacts
from bot.core.knowledge.errors import KnowledgeError
from bot.core.knowledge.shape import Shape
from bot.core.knowledge.terms import load_terms
from bot.core.knowledge.topics import SMS_MAX_CHARS, Topic, check_sources, load_topic_file

# Placeholders a reply may use beyond the contacts, filled per message: the
# escalation reason (by Rasa), who can answer a not-covered question (the answer action).
RUNTIME_PLACEHOLDERS = ("escalation_reason", "referral")


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
                    raise KnowledgeError(topic.file, f"related topic '{related}' does not exist", topic.id, "related")
            for field in ("answer", "sms", "title"):
                Shape(topic.file).placeholders(getattr(topic, field), CONTACT_FIELDS, field, topic.id)
            sms = self.fill(topic.sms)
            if len(sms) > SMS_MAX_CHARS:
                raise KnowledgeError(
                    topic.file,
                    f"SMS form is {len(sms)} characters with contacts filled in; the limit is {SMS_MAX_CHARS}",
                    topic.id,
                    "sms",
                )
        replies = Shape(self.root / "replies.yml")
        for name, text in self.replies.items():
            replies.placeholders(text, CONTACT_FIELDS + RUNTIME_PLACEHOLDERS, name)


def _load_sources(path: Path) -> Dict[str, Dict]:
    s = Shape(path)
    raw = s.document("sources")
    if not isinstance(raw, dict) or not raw:
        raise s.error("sources", "must map document ids to documents")
    for doc_id, doc in raw.items():
        if not isinstance(doc, dict):
            raise s.error(doc_id, "must be a mapping")
        s.mapping(doc, "", ("title", "file", "sections"), topic=doc_id)
        s.text(doc["title"], "title", doc_id)
        if not isinstance(doc["sections"], list) or not doc["sections"]:
            raise s.error("sections", "must be a non-empty list", doc_id)
    return raw


def _load_replies(path: Path) -> Dict[str, str]:
    s = Shape(path)
    raw = s.document("replies")
    if not isinstance(raw, dict):
        raise s.error("replies", "must map reply names to texts")
    return {name: s.text(raw[name], name) for name in raw}


def _load_topics(folder: Path) -> List[Topic]:
    files = sorted(folder.glob("*.yml"))
    if not files:
        raise KnowledgeError(folder, "no topic files (*.yml) found")
    return [topic for path in files for topic in load_topic_file(path)]


@lru_cache(maxsize=1)
def get_knowledge() -> Knowledge:
    """The process-wide knowledge, loaded once (contacts read from the environment then)."""
    return Knowledge()
