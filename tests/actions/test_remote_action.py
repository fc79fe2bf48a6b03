"""The Rasa server's side of custom actions: fast schema check, polite fallback."""
import asyncio

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import remote_action
from bot.answers import topic_reply
from bot.knowledge import get_knowledge

remote_action.install()
ACTION = RemoteAction("action_answer_topic", EndpointConfig("http://127.0.0.1:9/webhook"))


def test_a_real_answer_passes_the_compiled_schema_check():
    reply = topic_reply(get_knowledge(), "ask_saline_week")
    assert ACTION._validate_action_result({"events": [], "responses": [reply]})


def test_a_malformed_response_is_still_rejected_with_rasas_error():
    with pytest.raises(jsonschema.ValidationError) as info:
        ACTION._validate_action_result({"events": "not a list", "responses": []})
    assert "Failed to validate Action server response" in info.value.message


def test_an_unreachable_action_server_gets_the_answer_unavailable_reply():
    tracker = DialogueStateTracker("down", slots=[])
    events = asyncio.run(ACTION.run(CollectingOutputChannel(), None, tracker, Domain.empty()))
    knowledge = get_knowledge()
    assert [e.text for e in events] == [knowledge.fill(knowledge.replies["answer_unavailable"])]
