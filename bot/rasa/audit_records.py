"""Turning a Rasa user event into an audit row (pure, so it is testable offline)."""

from typing import Any, Dict, Optional, Union

from bot.core.escalation.levels import INTENT_LEVELS
from bot.db.tables import Escalation, UnansweredQuestion
from bot.db.tracker_events import event_key

UNANSWERED_INTENTS = ("not_covered", "nlu_fallback", "out_of_scope")
# The theme of an unanswered question that is not a not_covered one.
OTHER_THEMES = {"nlu_fallback": "unclear", "out_of_scope": "off topic"}
MAX_QUESTION_CHARS = 500


def record_for(event: Dict[str, Any]) -> Optional[Union[Escalation, UnansweredQuestion]]:
    if event.get("event") != "user":
        return None
    parse = event.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name")
    channel = event.get("input_channel") or "unknown"
    conversation_id = str(event.get("sender_id") or "unknown")
    # Set by the language component (bot/rasa/language_component.py) on every message it reads.
    language = str(parse.get("language") or "")[:8] or None
    if intent in INTENT_LEVELS:
        entities = {e.get("entity"): e.get("value") for e in parse.get("entities") or []}
        reading = entities.get("escalation_reading")
        return Escalation(
            channel=channel,
            conversation_id=conversation_id,
            level=INTENT_LEVELS[intent],
            reason=str(entities.get("escalation_reason") or "not given")[:500],
            reading_mgdl=float(reading) if reading else None,
            language=language,
            event_key=event_key(event),
        )
    if intent in UNANSWERED_INTENTS:
        theme = next(
            (e.get("value") for e in parse.get("entities") or [] if e.get("entity") == "not_covered_theme"), None
        )
        return UnansweredQuestion(
            theme=str(theme or OTHER_THEMES.get(intent, "general"))[:64],
            channel=channel,
            conversation_id=conversation_id,
            intent=intent,
            # Postgres text columns refuse NUL characters
            text=(event.get("text") or "").replace("\x00", "")[:MAX_QUESTION_CHARS],
            language=language,
            event_key=event_key(event),
        )
    return None
