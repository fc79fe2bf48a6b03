"""The replies of the answer action: a topic (answer, source line, related-topic
buttons, SMS form), two topics, or "not in our materials"."""

from typing import Any, Dict, List, Optional

from bot.core.knowledge import Knowledge
from bot.core.understanding import load_lexicon, load_rules
from bot.core.understanding.rules import GENERAL_THEME


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


def topic_replies(knowledge: Knowledge, intent: Optional[str], second_topic: Optional[str]) -> List[Dict[str, Any]]:
    """One reply per topic asked (at most two), each with its source and its menu,
    without offering the other answer again. (A reply keeps buttons: the web and REST
    channels would split a text without them at its blank line, source apart.)"""
    first = topic_reply(knowledge, intent)
    if first is None:
        return []
    second_intent = knowledge.by_id[second_topic].intent if second_topic in knowledge.by_id else None
    second = topic_reply(knowledge, second_intent) if second_topic != first["topic"] else None
    if second is None:
        return [first]
    shown = {f"/{knowledge.by_id[first['topic']].intent}", f"/{knowledge.by_id[second['topic']].intent}"}
    out = []
    for reply in (first, second):
        others = [b for b in reply["buttons"] if b["payload"] not in shown]
        out.append({**reply, "buttons": others or reply["buttons"]})
    return out


def not_covered_reply(knowledge: Knowledge, theme: Optional[str], language: str = "en") -> Dict[str, Any]:
    """ "Not in our materials", who can answer it, and the nearest topic as a button."""
    rules = load_rules()
    found = rules.themes.get(theme or "") or rules.themes[GENERAL_THEME]
    referral = load_lexicon(language).referrals[found.who]
    text = knowledge.replies["not_covered"].format(**knowledge.contacts, referral=referral)
    near = knowledge.by_id.get(found.near or "")
    buttons = [{"title": near.title, "payload": f"/{near.intent}"}] if near else []
    return {"text": text, "buttons": buttons, "sms_text": text, "topic": "not_covered"}
