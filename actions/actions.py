"""The action server's one action: answer what the family asked from knowledge/.

Kept thin on purpose: all text comes from knowledge/ through bot.core: a topic
(or two), or "not in our materials" with who can answer it.
"""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.core.answers import not_covered_reply, topic_replies
from bot.core.knowledge import get_knowledge
from bot.core.understanding import NOT_COVERED


class ActionAnswerTopic(Action):
    def name(self) -> Text:
        return "action_answer_topic"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        knowledge = get_knowledge()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        # The conversation's language (slot filled by bot.rasa.language_component); English without one.
        language = tracker.get_slot("language") or "en"
        if language not in knowledge.languages:
            language = knowledge.languages[0]
        if intent == NOT_COVERED:
            dispatcher.utter_message(**not_covered_reply(knowledge, _entity(tracker, "not_covered_theme"), language))
            return []
        replies = topic_replies(knowledge, intent, _entity(tracker, "second_topic"), language)
        if not replies:
            dispatcher.utter_message(response="utter_fallback")
        for reply in replies:
            dispatcher.utter_message(**reply)
        return []


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None
