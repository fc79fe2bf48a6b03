"""The reply for a topic intent: answer, source line, related-topic buttons, SMS form."""

from typing import Any, Dict, Optional

from bot.core.knowledge import Knowledge


def topic_reply(knowledge: Knowledge, intent: Optional[str]) -> Optional[Dict[str, Any]]:
    """Keyword arguments for dispatcher.utter_message, or None for an unknown intent.

    `sms_text` travels as message metadata: web and REST ignore it, the SMS
    channel sends it instead of the long answer.
    """
    topic = knowledge.by_intent.get(intent or "")
    if topic is None:
        return None
    source = knowledge.source_line(topic)
    return {
        "text": f"{knowledge.fill(topic.answer)}\n\n{source}",
        "buttons": [
            {"title": knowledge.by_id[r].title, "payload": f"/{knowledge.by_id[r].intent}"} for r in topic.related
        ],
        "sms_text": knowledge.fill(topic.sms),
        "topic": topic.id,
    }
