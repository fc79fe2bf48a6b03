"""The texts of another answer language: knowledge/<language>/, next to the English.

One file per kind of text, keyed like the English: topics.yml (title, answer,
sms per topic id), replies.yml, sms.yml, referrals.yml, widget.yml, and
contacts.yml for the contact values that are words (program name, hours).
Every English text must have its translation with the same {placeholders}; a
missing one stops loading with the file, topic and field. Every entry carries
`review`: "pending" until the clinic's medical interpreter has checked it,
then who and when ("reviewed by A. Ruiz, 2027-01-15").
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from bot.core.knowledge.errors import KnowledgeError
from bot.core.knowledge.shape import Shape, load_yaml

PENDING = "pending"
TOPIC_TEXTS = ("title", "answer", "sms")
# English text sets, by file: name -> text (topics: id -> field -> text).
English = Dict[str, Dict[str, Any]]


@dataclass(frozen=True)
class Translation:
    language: str
    topics: Dict[str, Dict[str, str]]
    replies: Dict[str, str]
    sms: Dict[str, str]
    referrals: Dict[str, str]
    widget: Dict[str, str]
    contacts: Dict[str, str]  # overrides of the English contact values
    sources: Dict[str, Dict[str, Any]]  # document id -> {"title": ..., "sections": {english: translated}}
    pending_review: int


def load_translation(
    folder: Path, language: str, english: English, environ: Optional[Mapping[str, str]] = None
) -> Translation:
    pending = [0]

    def entries(name: str, fields=("text",)) -> Dict[str, Dict[str, str]]:
        path = folder / f"{name}.yml"
        s = Shape(path)
        raw = s.document(name)
        if not isinstance(raw, dict):
            raise s.error(name, "must map names to translated texts")
        out: Dict[str, Dict[str, str]] = {}
        for key, source in english[name].items():
            entry = raw.get(key)
            if entry is None:
                field = f"{name}.{key}" if name != "topics" else TOPIC_TEXTS[0]
                raise KnowledgeError(path, f"{language} text missing", key if name == "topics" else None, field)
            s.mapping(entry, f"{name}.{key}", (*fields, "review"), topic=key if name == "topics" else None)
            review = s.text(entry["review"], f"{name}.{key}.review")
            pending[0] += review == PENDING
            texts = {}
            for field in fields:
                where = f"{name}.{key}.{field}" if name != "topics" else field
                topic = key if name == "topics" else None
                text = s.text(entry[field], where, topic)
                english_text = source[field] if isinstance(source, dict) else source
                wanted = s.names(english_text, where, topic)
                got = s.names(text, where, topic)
                if got != wanted:
                    raise s.error(
                        where, f"placeholders {sorted(got)} differ from the English text's {sorted(wanted)}", topic
                    )
                texts[field] = text
            out[key] = texts
        extra = sorted(set(raw) - set(english[name]))
        if extra:
            raise s.error(name, f"texts with no English counterpart: {', '.join(map(str, extra))}")
        return out

    topics = entries("topics", TOPIC_TEXTS)
    simple = {
        name: {k: v["text"] for k, v in entries(name).items()} for name in ("replies", "sms", "referrals", "widget")
    }
    sources, sources_pending = _sources(folder / "sources.yml", english.get("sources") or {})
    return Translation(
        language=language,
        topics=topics,
        contacts=_contacts(folder / "contacts.yml", environ),
        sources=sources,
        pending_review=pending[0] + sources_pending,
        **simple,
    )


def _sources(path: Path, english: Dict[str, Any]) -> Tuple[Dict[str, Dict[str, Any]], int]:
    """Every document's title and every section label of knowledge/sources.yml, translated."""
    s = Shape(path)
    if not path.is_file():
        raise KnowledgeError(path, "file not found")
    top = s.mapping(load_yaml(path), "", ("sources", "review"))
    review = s.text(top["review"], "review")
    raw = s.mapping(top["sources"], "sources", tuple(english))
    out: Dict[str, Dict[str, Any]] = {}
    for doc_id, doc in english.items():
        entry = s.mapping(raw[doc_id], f"sources.{doc_id}", ("title", "sections"))
        sections = s.mapping(entry["sections"], f"sources.{doc_id}.sections", tuple(doc["sections"]))
        out[doc_id] = {
            "title": s.text(entry["title"], f"sources.{doc_id}.title"),
            "sections": {k: s.text(sections[k], f"sources.{doc_id}.sections.{k}") for k in doc["sections"]},
        }
    return out, int(review == PENDING)


def _contacts(path: Path, environ: Optional[Mapping[str, str]]) -> Dict[str, str]:
    """Contact values in this language (words, not numbers); an env variable wins."""
    environ = os.environ if environ is None else environ
    s = Shape(path)
    raw = s.document("contacts")
    if not isinstance(raw, dict):
        raise s.error("contacts", "must map contact fields to values")
    out = {}
    for name, entry in raw.items():
        s.mapping(entry, f"contacts.{name}", ("value", "env"))
        default = s.text(str(entry["value"]), f"contacts.{name}.value")
        out[name] = (environ.get(s.text(entry["env"], f"contacts.{name}.env")) or "").strip() or default
    return out
