"""An escalation before any message has told the conversation's language is sent in every
answer language (bot.core.language.together): the emergency's "Call 911 now." lines first, side by side."""

import pytest

from bot import KNOWLEDGE_DIR
from bot.core.escalation import reason_in
from bot.core.knowledge import KnowledgeError, get_knowledge
from bot.core.language import get_detector, load_settings, together

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


@pytest.mark.parametrize(
    "text, language, others",
    [
        ("my boy fainted, glucosa 33", "en", ("es",)),
        ("mi hijo esta en 45 y the pump no funciona", "es", ("en",)),
        ("mi hijo esta en 45 y no despierta", "es", ()),
        ("he is 45 and shaky", "en", ()),
        # Loans and shared spellings (knowledge/language.yml not_mixing): no second language.
        ("got a q, the libre reads low", "en", ()),
        ("he had a convulsion", "en", ()),
        ("el dexcom dice HI y mi hijo son las 3", "es", ()),
    ],
)
def test_the_other_languages_a_message_has_words_of(text, language, others):
    assert get_detector().mixed_with(text, language) == others


def test_not_mixing_words_must_be_markers_of_their_language(tmp_path):
    source = (KNOWLEDGE_DIR / "language.yml").read_text(encoding="utf-8")
    path = tmp_path / "language.yml"
    path.write_text(source.replace('es: [q, convulsion, "y"]', "es: [q, convulsion, pump]"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"language.not_mixing.es.*pump"):
        load_settings(path)
