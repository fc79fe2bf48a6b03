"""Clinic contacts: placeholders in knowledge/contacts.yml, real values from the environment."""
import os
from pathlib import Path
from typing import Dict, Mapping, Optional

from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import check_keys, read_mapping, text_field

CONTACT_FIELDS = ("program_name", "clinic_phone", "clinic_hours", "after_hours_phone")


def load_contacts(path: Path, environ: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Contact values by placeholder name; a set, non-empty env variable wins."""
    environ = os.environ if environ is None else environ
    raw = read_mapping(path, "contacts")
    if not isinstance(raw, dict):
        raise KnowledgeError(path, "must be a mapping of contact fields", field="contacts")
    check_keys(raw, CONTACT_FIELDS, (), path, None)
    contacts = {}
    for name in CONTACT_FIELDS:
        entry = raw[name]
        if not isinstance(entry, dict):
            raise KnowledgeError(path, "must have 'value' and 'env'", field=name)
        check_keys(entry, ("value", "env"), (), path, None)
        default = text_field({"value": str(entry["value"])}, "value", path, None)
        env_name = text_field(entry, "env", path, None)
        contacts[name] = (environ.get(env_name) or "").strip() or default
    return contacts
