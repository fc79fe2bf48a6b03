"""Clinic contacts: placeholders in knowledge/contacts.yml, real values from the environment."""

import os
from pathlib import Path
from typing import Dict, Mapping, Optional

from bot.core.knowledge.shape import Shape

CONTACT_FIELDS = ("program_name", "clinic_phone", "clinic_hours", "after_hours_phone")


def load_contacts(path: Path, environ: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Contact values by placeholder name; a set, non-empty env variable wins."""
    environ = os.environ if environ is None else environ
    s = Shape(path)
    raw = s.mapping(s.document("contacts"), "", CONTACT_FIELDS)
    contacts = {}
    for name in CONTACT_FIELDS:
        entry = raw[name]
        if not isinstance(entry, dict):
            raise s.error(name, "must have 'value' and 'env'")
        s.mapping(entry, "", ("value", "env"))
        default = s.text(str(entry["value"]), "value")
        env_name = s.text(entry["env"], "env")
        contacts[name] = (environ.get(env_name) or "").strip() or default
    return contacts
