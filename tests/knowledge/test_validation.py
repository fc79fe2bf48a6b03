"""Every kind of knowledge/ mistake fails at load with the file, topic and field named."""

import shutil
from pathlib import Path

import pytest
import yaml

from bot import KNOWLEDGE_DIR
from bot.core.knowledge import Knowledge, KnowledgeError

TOPIC_FILE = "topics/getting_started.yml"


@pytest.fixture
def kdir(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def edit_topic(kdir: Path, topic_id: str, change) -> Path:
    path = kdir / TOPIC_FILE
    data = yaml.safe_load(path.read_text())
    topic = next(t for t in data["topics"] if t["id"] == topic_id)
    change(topic)
    path.write_text(yaml.safe_dump(data))
    return path


def load_error(kdir: Path) -> KnowledgeError:
    with pytest.raises(KnowledgeError) as info:
        Knowledge(kdir, environ={})
    return info.value


def test_the_real_knowledge_loads():
    knowledge = Knowledge(KNOWLEDGE_DIR, environ={})
    assert len(knowledge.topics) >= 30
    assert knowledge.by_intent["ask_saline_week"].id == "saline_week"


def test_unknown_key(kdir):
    path = edit_topic(kdir, "saline_week", lambda t: t.update(anwser="typo"))
    err = load_error(kdir)
    assert (Path(err.file), err.topic, err.field) == (path, "saline_week", "anwser")
    assert "unknown key" in str(err) and str(path) in str(err)


def test_missing_source(kdir):
    path = edit_topic(kdir, "saline_week", lambda t: t.pop("source"))
    err = load_error(kdir)
    assert (Path(err.file), err.topic, err.field) == (path, "saline_week", "source")


def test_source_names_an_unknown_document(kdir):
    edit_topic(kdir, "saline_week", lambda t: t["source"].update(document="blog"))
    err = load_error(kdir)
    assert (err.topic, err.field) == ("saline_week", "source.document")


def test_source_names_an_unknown_section(kdir):
    edit_topic(kdir, "saline_week", lambda t: t["source"].update(section="chapter 9"))
    err = load_error(kdir)
    assert (err.topic, err.field) == ("saline_week", "source.section")


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_empty_answer(kdir, empty):
    path = edit_topic(kdir, "timing", lambda t: t.update(answer=empty))
    err = load_error(kdir)
    assert (Path(err.file), err.topic, err.field) == (path, "timing", "answer")


def test_sms_form_too_long(kdir):
    edit_topic(kdir, "timing", lambda t: t.update(sms="word " * 70))
    err = load_error(kdir)
    assert (err.topic, err.field) == ("timing", "sms")
    assert "320" in str(err)


def test_sms_length_counts_the_configured_contacts(kdir):
    # 300 characters of text plus a long configured phone line breaks the limit.
    edit_topic(kdir, "timing", lambda t: t.update(sms="x" * 290 + " {clinic_phone}"))
    spanish = kdir / "es" / "topics.yml"  # a translation keeps the English placeholders
    data = yaml.safe_load(spanish.read_text(encoding="utf-8"))
    data["topics"]["timing"]["sms"] = "Llame al {clinic_phone}."
    spanish.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    Knowledge(kdir, environ={})  # placeholder value keeps it under 320
    with pytest.raises(KnowledgeError) as info:
        Knowledge(kdir, environ={"CLINIC_PHONE": "1-800-555-0100 extension 4242 (pump line)"})
    assert info.value.field == "sms"


def test_related_topic_that_does_not_exist(kdir):
    edit_topic(kdir, "timing", lambda t: t.update(related=["evaluation", "saline_weak"]))
    err = load_error(kdir)
    assert (err.topic, err.field) == ("timing", "related")
    assert "saline_weak" in str(err)


def test_duplicate_topic_id(kdir):
    edit_topic(kdir, "timing", lambda t: t.update(id="evaluation", intent="ask_other"))
    err = load_error(kdir)
    assert err.field == "id"


def test_unknown_placeholder(kdir):
    edit_topic(kdir, "timing", lambda t: t.update(answer="Call {clinic_fone}."))
    err = load_error(kdir)
    assert (err.topic, err.field) == ("timing", "answer")


@pytest.mark.parametrize(
    "field, text", [("answer", "Bring your {pump."), ("sms", "Costs } nothing"), ("title", "Pumps {")]
)
def test_a_stray_brace_names_file_topic_and_field(kdir, field, text):
    path = edit_topic(kdir, "timing", lambda t: t.update({field: text}))
    err = load_error(kdir)
    assert (Path(err.file), err.topic, err.field) == (path, "timing", field)
    assert "brace" in str(err)


def test_a_stray_brace_in_a_reply_names_the_reply(kdir):
    path = kdir / "replies.yml"
    data = yaml.safe_load(path.read_text())
    data["replies"]["thanks"] = "You're welcome {"
    path.write_text(yaml.safe_dump(data))
    err = load_error(kdir)
    assert (Path(err.file), err.field) == (path, "thanks") and "brace" in str(err)


def test_broken_yaml_names_the_file(kdir):
    path = kdir / TOPIC_FILE
    path.write_text("topics:\n  - id: [unclosed\n")
    err = load_error(kdir)
    assert Path(err.file) == path and "YAML" in str(err)


def test_contacts_missing_field(kdir):
    path = kdir / "contacts.yml"
    data = yaml.safe_load(path.read_text())
    del data["contacts"]["clinic_phone"]
    path.write_text(yaml.safe_dump(data))
    err = load_error(kdir)
    assert (Path(err.file), err.field) == (path, "clinic_phone")


def test_contacts_come_from_the_environment():
    knowledge = Knowledge(KNOWLEDGE_DIR, environ={"CLINIC_PHONE": "555-0123", "CLINIC_PROGRAM_NAME": "Test Program"})
    assert knowledge.contacts["clinic_phone"] == "555-0123"
    assert knowledge.contacts["program_name"] == "Test Program"
    assert "555-0123" in knowledge.fill(knowledge.by_id["contact"].answer)


def test_placeholder_contacts_are_fictional():
    # 555-01xx numbers are reserved for fiction: the shipped defaults must never be real.
    contacts = Knowledge(KNOWLEDGE_DIR, environ={}).contacts
    for field in ("clinic_phone", "after_hours_phone"):
        assert contacts[field].startswith("555-01"), contacts[field]
