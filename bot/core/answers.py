"""The replies of the answer action: a topic (answer, source line, related-topic
buttons, SMS form), two topics, or "not in our materials"."""

from typing import Any, Dict, List, Optional

from bot.core.knowledge import Knowledge
from bot.core.understanding import load_lexicon, load_rules
from bot.core.understanding.rules import GENERAL_THEME


def topic_reply(knowledge: Knowledge, intent: Optional[str], language: str = "en") -> Optional[Dict[str, Any]]:
    """Keyword arguments for dispatcher.utter_message, or None for an unknown intent.

    `sms_text` travels as message metadata: web and REST ignore it, the SMS
    channel sends it instead of the long answer.
    """
    topic = knowledge.by_intent.get(intent or "")
    if topic is None:
        return None
    source = knowledge.source_line(topic, language)
    answer = knowledge.fill(knowledge.topic_text(topic, "answer", language), language)
    return {
        "text": f"{answer}\n\n{source}",
        "buttons": [
            {
                "title": knowledge.topic_text(knowledge.by_id[r], "title", language),
                "payload": f"/{knowledge.by_id[r].intent}",
            }
            for r in topic.related
        ],
        "sms_text": knowledge.fill(knowledge.topic_text(topic, "sms", language), language),
        "topic": topic.id,
        "language": language,
    }


def topic_replies(
    knowledge: Knowledge, intent: Optional[str], second_topic: Optional[str], language: str = "en"
) -> List[Dict[str, Any]]:
    """One reply per topic asked (at most two), each with its source and its menu,
    without offering the other answer again. (A reply keeps buttons: the web and REST
    channels would split a text without them at its blank line, source apart.)"""
    first = topic_reply(knowledge, intent, language)
    if first is None:
        return []
    second_intent = knowledge.by_id[second_topic].intent if second_topic in knowledge.by_id else None
    second = topic_reply(knowledge, second_intent, language) if second_topic != first["topic"] else None
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
    translation = knowledge.translations.get(language)
    referral = translation.referrals[found.who] if translation else load_lexicon("en").referrals[found.who]
    text = knowledge.reply("not_covered", language).format(**knowledge.contacts_in(language), referral=referral)
    near = knowledge.by_id.get(found.near or "")
    buttons = [{"title": knowledge.topic_text(near, "title", language), "payload": f"/{near.intent}"}] if near else []
    return {"text": text, "buttons": buttons, "sms_text": text, "topic": "not_covered", "language": language}
