"""Spanish texts (knowledge/es/): complete, same placeholders, within the SMS budget, readable,
and marked for the medical interpreter's review; a mistake names the file, topic and field."""

import shutil
from pathlib import Path

import pytest
import textstat
import yaml

from bot import KNOWLEDGE_DIR
from bot.core.knowledge import Knowledge, KnowledgeError, get_knowledge
from bot.core.text.segments import segments

K = get_knowledge()
ES = K.translations["es"]
# Fernández-Huerta reading ease (textstat, Spanish syllables from pyphen): 70-80 "fairly easy",
# 80-90 "easy"; the English texts' grade-8 ceiling is about 70 on this scale.
MIN_READING_EASE = 70.0
EXAMPLES = {"escalation_reason": "un nivel muy alto de azúcar en la sangre", "referral": ES.referrals["diabetes_team"]}


@pytest.fixture
def kdir(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_every_english_text_has_its_spanish_text():
    assert set(ES.topics) == {t.id for t in K.topics}
    assert set(ES.replies) == set(K.replies)
    assert set(ES.widget) == set(K.widget)
    assert K.reply("escalate_emergency", "es").startswith("Llame al 911 ahora.")


def test_a_missing_spanish_answer_names_file_topic_and_field(kdir):
    _edit(kdir / "es" / "topics.yml", lambda d: d["topics"]["saline_week"].pop("answer"))
    with pytest.raises(KnowledgeError) as err:
        Knowledge(kdir)
    message = str(err.value)
    assert "es/topics.yml" in message and "saline_week" in message and "answer" in message


def test_a_missing_spanish_topic_names_it(kdir):
    _edit(kdir / "es" / "topics.yml", lambda d: d["topics"].pop("insurance"))
    with pytest.raises(KnowledgeError, match=r"insurance.*es text missing|es text missing.*insurance"):
        Knowledge(kdir)


def test_a_missing_spanish_reply_names_it(kdir):
    _edit(kdir / "es" / "replies.yml", lambda d: d["replies"].pop("escalate_clinic"))
    with pytest.raises(KnowledgeError, match="replies.escalate_clinic"):
        Knowledge(kdir)


def test_a_spanish_text_must_keep_the_english_placeholders(kdir):
    def drop_phone(d):
        d["replies"]["fallback"]["text"] = "No entendí. Llame a la clínica."

    _edit(kdir / "es" / "replies.yml", drop_phone)
    with pytest.raises(KnowledgeError, match=r"replies.fallback.text.*placeholders"):
        Knowledge(kdir)


def test_every_entry_needs_a_review_mark(kdir):
    _edit(kdir / "es" / "sms.yml", lambda d: d["sms"]["help"].pop("review"))
    with pytest.raises(KnowledgeError, match=r"sms.help.review"):
        Knowledge(kdir)


def test_a_missing_section_label_names_it(kdir):
    def drop(d):
        d["sources"]["handout"]["sections"].pop("post-pump care")

    _edit(kdir / "es" / "sources.yml", drop)
    with pytest.raises(KnowledgeError, match=r"sources.handout.sections.post-pump care"):
        Knowledge(kdir)


def test_the_source_line_is_spanish():
    line = K.source_line(K.by_id["saline_week"], "es")
    assert line.startswith("Fuente: ") and ES.sources["program_page"]["title"] in line


def test_review_marks_are_counted():
    # Until the clinic's interpreter reviews them, every Spanish text says so (README: deployment).
    assert ES.pending_review > 0


def test_an_accented_sms_form_is_held_to_three_ucs2_segments(kdir):
    long_text = "Información " * 18  # 216 characters: fine in GSM-7, 4 segments in UCS-2

    def lengthen(d):
        d["topics"]["supplies"]["sms"] = long_text

    _edit(kdir / "es" / "topics.yml", lengthen)
    with pytest.raises(KnowledgeError) as err:
        Knowledge(kdir)
    assert "UCS-2" in str(err.value) and "supplies" in str(err.value) and "sms" in str(err.value)


def _spanish_texts():
    for topic in K.topics:
        for field in ("answer", "sms"):
            yield f"{field}:{topic.id}", K.fill(K.topic_text(topic, field, "es"), "es")
    for name, text in ES.replies.items():
        if name not in ("other_language", "source_label"):  # bilingual / one word
            yield f"reply:{name}", text.format(**K.contacts_in("es"), **EXAMPLES)
    for name, text in ES.referrals.items():
        yield f"referral:{name}", text


SPANISH = dict(_spanish_texts())


@pytest.mark.parametrize("name", sorted(SPANISH))
def test_every_spanish_text_is_plain(name):
    textstat.set_lang("es")
    try:
        ease = textstat.fernandez_huerta(SPANISH[name])
    finally:
        textstat.set_lang("en_US")
    assert ease >= MIN_READING_EASE, f"{name}: Fernández-Huerta {ease:.1f}: {SPANISH[name]!r}"


def test_every_spanish_sms_form_fits_one_reply():
    for topic in K.topics:
        text = K.fill(K.topic_text(topic, "sms", "es"), "es")
        assert segments(text) <= 3, (topic.id, len(text), segments(text))
