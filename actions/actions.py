"""The action server's one action: answer the recognised topic from knowledge/.

Kept thin on purpose: all text comes from knowledge/ through bot.core.knowledge.
"""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.core.answers import topic_reply
from bot.core.knowledge import get_knowledge


class ActionAnswerTopic(Action):
    def name(self) -> Text:
        return "action_answer_topic"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reply = topic_reply(get_knowledge(), intent)
        if reply is None:
            dispatcher.utter_message(response="utter_fallback")
        else:
            dispatcher.utter_message(**reply)
        return []
