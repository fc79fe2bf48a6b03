"""The Rasa patches (bot/rasa/patches.py): fast schema check, polite fallback, version pin."""

import asyncio

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import bot.rasa  # noqa: F401  (importing the package installs the patches, as Rasa does)
from bot.core.answers import topic_reply
from bot.core.knowledge import get_knowledge
from bot.rasa import patches

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


def test_importing_bot_rasa_installed_every_patch_once():
    assert RemoteAction.run is patches._run_or_apologise
    assert RemoteAction._validate_action_result is patches._validate_with_compiled_schema
    patches.install()  # a second call changes nothing
    assert patches._original["run"] is not patches._run_or_apologise


def test_patches_refuse_another_rasa_version(monkeypatch):
    monkeypatch.setattr(patches, "_installed", False)
    monkeypatch.setattr(patches.rasa, "__version__", "3.7.0")
    with pytest.raises(patches.UnsupportedRasaVersion, match="3.6.21"):
        patches.install()


def test_cached_event_class_lookup_gives_rasas_answer():
    from rasa.shared.core.events import Event, UserUttered

    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("user") is patches._original["resolve_by_type"]("user")
