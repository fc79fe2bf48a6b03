"""A Spanish-speaking family over REST on loopback (trained model, action server, app database):
answers and fixed replies in Spanish, the language kept until the family switches, a
bilingual reply to another language, Spanish escalation replies, and the language in
the staff report's rows."""

import time

from sqlalchemy import select

from bot.core.knowledge import get_knowledge
from bot.db.engine import session_factory
from bot.db.tables import Escalation, UnansweredQuestion

K = get_knowledge()


def spanish_answer(topic_id: str) -> str:
    return K.fill(K.topic_text(K.by_id[topic_id], "answer", "es"), "es")


def english_answer(topic_id: str) -> str:
    return K.fill(K.by_id[topic_id].answer)


def rows(stack, table, sender):
    deadline = time.monotonic() + 15  # the broker's writer thread stores rows just after the reply
    while True:
        with session_factory(stack.env["APP_DATABASE_URL"])() as db:
            found = db.scalars(select(table).where(table.conversation_id == sender)).all()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_spanish_question_gets_the_spanish_answer_with_its_source_and_spanish_buttons(stack):
    [message] = stack.say("que es la semana de suero?", sender="es-topic")
    assert message["text"].startswith(spanish_answer("saline_week"))
    assert f"\n\n{K.reply('source_label', 'es')}:" in message["text"]
    related = {K.topic_text(K.by_id[r], "title", "es") for r in K.by_id["saline_week"].related}
    assert {b["title"] for b in message["buttons"]} == related


def test_the_conversation_keeps_spanish_through_short_messages_until_the_family_switches(stack):
    sender = "es-sticky"
    stack.say("hola, mi hijo va a empezar con la bomba", sender=sender)
    stack.say("ok", sender=sender)  # too short to tell which language
    [answer] = stack.say("/ask_insurance", sender=sender)  # a button: no language of its own
    assert answer["text"].startswith(spanish_answer("insurance"))
    [switched] = stack.say("ENGLISH", sender=sender)
    assert switched["text"] == K.fill(K.reply("language_set", "en"))
    [answer] = stack.say("/ask_insurance", sender=sender)
    assert answer["text"].startswith(english_answer("insurance"))
    [back] = stack.say("ESPAÑOL", sender=sender)
    assert back["text"] == K.fill(K.reply("language_set", "es"), "es")
    [answer] = stack.say("/ask_insurance", sender=sender)
    assert answer["text"].startswith(spanish_answer("insurance"))


def test_fixed_replies_come_in_spanish(stack):
    [greeting] = stack.say("hola buenas tardes", sender="es-greet")
    assert greeting["text"] == K.fill(K.reply("greet", "es"), "es")


def test_another_language_gets_the_bilingual_reply_and_escalation_still_runs(stack):
    [reply] = stack.say("bom dia, meu filho tem diabetes", sender="pt-family")
    assert reply["text"] == K.fill(K.reply("other_language"))
    assert "911" in reply["text"] and K.contacts["clinic_phone"] in reply["text"]


def test_a_spanish_emergency_says_911_first_in_spanish_and_is_recorded_with_its_language(stack):
    sender = "es-emergency"
    [reply] = stack.say("ayuda mi niño no despierta", sender=sender)
    assert reply["text"].splitlines()[0] == "Llame al 911 ahora."
    [row] = rows(stack, Escalation, sender)
    assert (row.level, row.language) == ("emergency", "es")


def test_a_spanish_clinic_concern_is_answered_in_spanish(stack):
    [reply] = stack.say("el azucar le salio en 48 y esta temblando", sender="es-clinic")
    start = K.reply("escalate_clinic", "es").split("{")[0]
    assert reply["text"].startswith(start) or reply["text"].startswith("Llame al 911 ahora.")


def test_an_unanswered_spanish_question_is_recorded_with_its_language(stack):
    sender = "es-unclear"
    stack.say("hola", sender=sender)
    stack.say("me puedes ayudar con la tarea de matematicas de mi hija", sender=sender)
    found = rows(stack, UnansweredQuestion, sender)
    assert [r.language for r in found] == ["es"]


def test_a_first_message_that_tells_no_language_gets_its_escalation_in_both(stack):
    """A bare reading ("2,8 mmol") says nothing of the family's language: both replies, English first."""
    sender = "no-words"
    [reply] = stack.say("2,8 mmol", sender=sender)
    english, spanish = reply["text"].split("\n")
    assert english.startswith(K.reply("escalate_clinic", "en").split("{")[0])
    assert spanish.startswith(K.reply("escalate_clinic", "es").split("{")[0])
    assert "70" in english and "70" in spanish  # each with its own language's reason
    [row] = rows(stack, Escalation, sender)
    assert row.level == "clinic"
    # Once a message tells the language, escalations come in it alone.
    stack.say("gracias", sender=sender)
    [reply] = stack.say("2,8 mmol", sender=sender)
    assert reply["text"].startswith(K.reply("escalate_clinic", "es").split("{")[0]) and "\n" not in reply["text"]


def test_a_bare_reading_after_an_english_message_is_answered_in_english_alone(stack):
    sender = "en-then-number"
    stack.say("my daughter just checked", sender=sender)
    [reply] = stack.say("45", sender=sender)
    assert reply["text"].startswith(K.reply("escalate_clinic", "en").split("{")[0])
    assert K.reply("escalate_clinic", "es").split("{")[0] not in reply["text"]


def test_an_emergency_written_in_both_languages_is_answered_in_both_the_message_language_first(stack):
    """A sitter's English with the parents' Spanish (or a parent who starts in one and goes on in
    the other): the reply in each language the message has words of, its own language first."""
    [reply] = stack.say("the babysitter says he fainted, tiene 38 y no despierta", sender="mixed-en")
    assert reply["text"].splitlines()[0] in (
        "Call 911 now. / Llame al 911 ahora.",
        "Llame al 911 ahora. / Call 911 now.",
    )
    [reply] = stack.say("mi hija se desmayo, the dexcom says 35", sender="mixed-es")
    assert reply["text"].splitlines()[0] == "Llame al 911 ahora. / Call 911 now."


def test_an_english_escalation_with_a_loan_word_stays_english(stack):
    [reply] = stack.say("q about her libre: it says 52 and she is shaky", sender="en-loan")
    assert reply["text"].startswith(K.reply("escalate_clinic", "en").split("{")[0])
    assert K.reply("escalate_clinic", "es").split("{")[0] not in reply["text"]
