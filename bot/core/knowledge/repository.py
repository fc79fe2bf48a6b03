"""The knowledge repository: everything in knowledge/, loaded and cross-checked once."""

from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from bot import KNOWLEDGE_DIR
from bot.core.knowledge.contacts import CONTACT_FIELDS, load_contacts
from bot.core.knowledge.errors import KnowledgeError
from bot.core.knowledge.shape import Shape, load_yaml
from bot.core.knowledge.terms import load_terms
from bot.core.knowledge.topics import Topic, check_one_sms, check_sources, load_topic_file
from bot.core.knowledge.translations import Translation, load_translation

# Placeholders a reply may use beyond the contacts, filled per message: the
# escalation reason (by Rasa), who can answer a not-covered question (the answer action).
RUNTIME_PLACEHOLDERS = ("escalation_reason", "referral")
# The clinic escalation's wording when a pump failure was mentioned (a conditional Rasa response).
PUMP_FAILURE_VARIANT = "escalate_clinic_pump_failure"


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
        self.translations: Dict[str, Translation] = {}
        self._cross_check()
        self.widget = _load_widget(self.root / "widget.yml")
        # The other answer languages (knowledge/language.yml), each complete or not loaded at all.
        from bot.core.language import load_settings

        self.languages = load_settings(self.root / "language.yml").answers
        self.translations = {
            language: load_translation(self.root / language, language, self._english(), environ)
            for language in self.languages[1:]
        }
        for translation in self.translations.values():
            unknown = sorted(set(translation.contacts) - set(CONTACT_FIELDS))
            if unknown:
                raise KnowledgeError(
                    self.root / translation.language / "contacts.yml", f"unknown contact fields {unknown}"
                )
            for topic in self.topics:
                sms = self.fill(translation.topics[topic.id]["sms"], translation.language)
                check_one_sms(sms, self.root / translation.language / "topics.yml", topic.id)

    def _english(self) -> Dict[str, Dict]:
        # Read as data: the understanding lexicon itself checks itself against this repository.
        referrals = load_yaml(self.root / "understanding" / "en.yml").get("referrals") or {}
        return {
            "topics": {t.id: {"title": t.title, "answer": t.answer, "sms": t.sms} for t in self.topics},
            "replies": self.replies,
            "sms": Shape(self.root / "sms.yml").document("sms"),
            "referrals": referrals,
            "widget": self.widget,
            "sources": self.sources,
        }

    # -- texts in a language (English when the language has no translation) --

    def contacts_in(self, language: str = "en") -> Dict[str, str]:
        translation = self.translations.get(language)
        return {**self.contacts, **(translation.contacts if translation else {})}

    def fill(self, text: str, language: str = "en") -> str:
        """Put the configured contact details into a text."""
        return text.format(**self.contacts_in(language))

    def reply(self, name: str, language: str = "en") -> str:
        translation = self.translations.get(language)
        return translation.replies[name] if translation else self.replies[name]

    def topic_text(self, topic: Topic, field: str, language: str = "en") -> str:
        translation = self.translations.get(language)
        return translation.topics[topic.id][field] if translation else getattr(topic, field)

    def widget_texts(self, language: str = "en") -> Dict[str, str]:
        translation = self.translations.get(language)
        return dict(translation.widget) if translation else dict(self.widget)

    def source_line(self, topic: Topic, language: str = "en") -> str:
        translation = self.translations.get(language)
        document, section = topic.source.document, topic.source.section
        if translation:
            title, section = (
                translation.sources[document]["title"],
                translation.sources[document]["sections"][section],
            )
        else:
            title = self.sources[document]["title"]
        return f"{self.reply('source_label', language)}: {title}, {section}"

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
            check_one_sms(self.fill(topic.sms), topic.file, topic.id)
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


def _load_widget(path: Path) -> Dict[str, str]:
    s = Shape(path)
    raw = s.document("widget")
    if not isinstance(raw, dict) or not raw:
        raise s.error("widget", "must map string names to texts")
    texts = {name: s.text(raw[name], name) for name in raw}
    for name, text in texts.items():
        s.placeholders(text, CONTACT_FIELDS, name)
    return texts


def _load_topics(folder: Path) -> List[Topic]:
    files = sorted(folder.glob("*.yml"))
    if not files:
        raise KnowledgeError(folder, "no topic files (*.yml) found")
    return [topic for path in files for topic in load_topic_file(path)]


@lru_cache(maxsize=1)
def get_knowledge() -> Knowledge:
    """The process-wide knowledge, loaded once (contacts read from the environment then)."""
    return Knowledge()
