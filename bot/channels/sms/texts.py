"""The SMS channel's own wording (knowledge/sms.yml and its translations in
knowledge/<language>/sms.yml), checked when the server starts."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping

from bot import KNOWLEDGE_DIR
from bot.core.knowledge import KnowledgeError
from bot.core.knowledge.contacts import CONTACT_FIELDS
from bot.core.knowledge.repository import Knowledge
from bot.core.knowledge.shape import Shape
from bot.core.knowledge.topics import check_one_sms

SMS_FILE = "sms.yml"
# Sent as they are (contacts filled in), so each must fit in one SMS.
WHOLE_TEXTS = ("help", "stop_confirmation", "start_confirmation", "no_text", "options_intro")
OPTION_LINE = "option_line"
OPTION_FIELDS = ("number", "title")


@dataclass(frozen=True)
class SmsTexts:
    help: str
    stop_confirmation: str
    start_confirmation: str
    no_text: str
    options_intro: str
    option_line: str  # still holds {number} and {title}

    def option(self, number: int, title: str) -> str:
        return self.option_line.format(number=number, title=title)


def load_sms_texts(contacts: Mapping[str, str], root: Path = KNOWLEDGE_DIR) -> SmsTexts:
    path = Path(root) / SMS_FILE
    s = Shape(path)
    return _build(s, s.document("sms"), contacts)


def load_sms_texts_by_language(knowledge: Knowledge) -> Dict[str, SmsTexts]:
    """Every answer language's texts, English from knowledge/sms.yml."""
    texts = {knowledge.languages[0]: load_sms_texts(knowledge.contacts, knowledge.root)}
    for language, translation in knowledge.translations.items():
        s = Shape(knowledge.root / language / SMS_FILE)
        texts[language] = _build(s, translation.sms, knowledge.contacts_in(language))
    return texts


def _build(s: Shape, raw: Any, contacts: Mapping[str, str]) -> SmsTexts:
    path = s.path
    raw = s.mapping(raw, "", WHOLE_TEXTS + (OPTION_LINE,))
    texts = {}
    for name in WHOLE_TEXTS:
        text = s.text(raw[name], name)
        s.placeholders(text, CONTACT_FIELDS, name)
        text = text.format(**contacts)
        check_one_sms(text, path, field=name)
        texts[name] = text
    line = s.text(raw[OPTION_LINE], OPTION_LINE)
    used = s.placeholders(line, OPTION_FIELDS, OPTION_LINE)
    missing = [name for name in OPTION_FIELDS if name not in used]
    if missing:
        raise KnowledgeError(path, f"must use {', '.join('{' + m + '}' for m in missing)}", field=OPTION_LINE)
    texts[OPTION_LINE] = line
    return SmsTexts(**texts)
