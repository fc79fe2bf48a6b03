"""An escalation before any message has told the conversation's language is sent in every
answer language (bot.rasa.nlg.together): the emergency's "Call 911 now." lines first, side by side."""

from bot.core.escalation import reason_in
from bot.core.knowledge import get_knowledge
from bot.rasa.nlg import together

K = get_knowledge()


def filled(name, language, keys, level):
    return K.reply(name, language).format(**K.contacts_in(language), escalation_reason=reason_in(keys, language, level))


def test_the_emergency_in_both_languages_begins_with_both_911_lines():
    text = together([filled("escalate_emergency", lang, ["seizure"], "emergency") for lang in K.languages])
    lines = text.splitlines()
    assert lines[0] == "Call 911 now. / Llame al 911 ahora."
    assert lines[1].startswith("This could be an emergency (a seizure)")
    assert lines[2].startswith("Esto puede ser una emergencia (") and "convulsi" in lines[2]
    assert len(lines) == 3


def test_a_clinic_reply_in_both_languages_is_one_paragraph_each():
    text = together([filled("escalate_clinic", lang, [], "clinic") for lang in K.languages])
    english, spanish = text.splitlines()
    assert english.startswith("Please call the diabetes team now")
    assert spanish.startswith("Llame ahora al equipo de diabetes")


def test_reasons_follow_the_language_and_join_with_its_and():
    keys = ["reading_low", "seizure"]
    assert reason_in(keys, "en", "emergency").count(" and ") == 1
    assert reason_in(keys, "es", "emergency").count(" y ") == 1
    assert reason_in([], "es", "clinic") == reason_in([], "es", "clinic") != reason_in([], "en", "clinic")
