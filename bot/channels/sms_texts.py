"""The SMS channel's own wording (knowledge/sms.yml), checked when the server starts."""
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from bot import KNOWLEDGE_DIR
from bot.knowledge import KnowledgeError
from bot.knowledge.contacts import CONTACT_FIELDS
from bot.knowledge.topics import SMS_MAX_CHARS
from bot.knowledge.yamlfile import check_keys, read_mapping, text_field

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
    raw = read_mapping(path, "sms")
    if not isinstance(raw, dict):
        raise KnowledgeError(path, "must map text names to texts", field="sms")
    check_keys(raw, WHOLE_TEXTS + (OPTION_LINE,), (), path, None)
    texts = {}
    for name in WHOLE_TEXTS:
        text = text_field(raw, name, path, None)
        _check_placeholders(text, CONTACT_FIELDS, path, name)
        text = text.format(**contacts)
        if len(text) > SMS_MAX_CHARS:
            raise KnowledgeError(
                path,
                f"is {len(text)} characters with contacts filled in; one SMS holds {SMS_MAX_CHARS}",
                field=name,
            )
        texts[name] = text
    line = text_field(raw, OPTION_LINE, path, None)
    used = _check_placeholders(line, OPTION_FIELDS, path, OPTION_LINE)
    missing = [name for name in OPTION_FIELDS if name not in used]
    if missing:
        raise KnowledgeError(
            path, f"must use {', '.join('{' + m + '}' for m in missing)}", field=OPTION_LINE
        )
    texts[OPTION_LINE] = line
    return SmsTexts(**texts)


def _check_placeholders(text: str, allowed: Iterable[str], path: Path, field: str) -> set:
    allowed = tuple(allowed)
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:  # a lone "{" or "}"
        raise KnowledgeError(path, f"bad braces: {exc} (write {{{{ or }}}} for a literal brace)",
                             field=field) from exc
    for name in sorted(names):
        if name not in allowed:
            raise KnowledgeError(
                path, f"unknown placeholder {{{name}}} (allowed: {', '.join(allowed)})", field=field
            )
    return names
