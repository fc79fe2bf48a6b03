"""Fast tests of the SMS channel's pure parts: signatures, hashing, keywords, options, splitting, texts, config."""

import base64
import hashlib
import hmac
import shutil

import pytest
import yaml

from bot import KNOWLEDGE_DIR
from bot.channels.sms.channel import SmsConfig, SmsConfigError, SmsInput
from bot.channels.sms.format import Keyword, numbered_options, parse_choice, parse_keyword, split_sms
from bot.channels.sms.security import (
    compute_signature,
    hash_key,
    hash_number,
    parse_form,
    sender_id,
    signature_is_valid,
)
from bot.channels.sms.texts import SmsTexts, load_sms_texts
from bot.core.knowledge import KnowledgeError, get_knowledge

# Twilio's documented example ("Validating requests"): token, URL, POST params and result.
TWILIO_TOKEN = "12345"
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
TWILIO_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def reference_signature(token, url, params):
    """The documented algorithm written out independently of bot.channels."""
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


# --- signatures ---------------------------------------------------------------


def test_signature_matches_twilio_documented_example():
    assert reference_signature(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS) == TWILIO_SIGNATURE
    assert compute_signature(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS) == TWILIO_SIGNATURE
    assert signature_is_valid(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS, TWILIO_SIGNATURE)


def test_signature_agrees_with_twilio_library_on_a_realistic_sms_form():
    from twilio.request_validator import RequestValidator

    params = {
        "From": "+15550100001",
        "To": "+15550109999",
        "Body": "what is the saline week?",
        "MessageSid": "SM0123",
        "FromCity": "",
        "NumMedia": "0",
    }
    url = "https://sms.example.test/webhooks/sms/webhook"
    expected = RequestValidator("secret").compute_signature(url, params)
    assert compute_signature("secret", url, params) == expected
    assert compute_signature("secret", url, params) == reference_signature("secret", url, params)


def test_blank_form_fields_are_kept_because_they_are_signed():
    body = b"From=%2B15550100001&FromCity=&Body=hi+there&MessageSid=SM1"
    form = parse_form(body)
    assert form["FromCity"] == [""] and form["Body"] == ["hi there"]
    params = {"From": "+15550100001", "FromCity": "", "Body": "hi there", "MessageSid": "SM1"}
    signature = reference_signature("t", "https://x.test/hook", params)
    assert signature_is_valid("t", "https://x.test/hook", form, signature)


@pytest.mark.parametrize(
    "signature", [None, "", "not-a-signature", reference_signature("other", TWILIO_URL, TWILIO_PARAMS)]
)
def test_missing_or_wrong_signature_is_rejected(signature):
    assert not signature_is_valid(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS, signature)


def test_signature_covers_url_and_every_field():
    assert not signature_is_valid(TWILIO_TOKEN, TWILIO_URL + "&x=1", TWILIO_PARAMS, TWILIO_SIGNATURE)
    tampered = {**TWILIO_PARAMS, "Digits": "9999"}
    assert not signature_is_valid(TWILIO_TOKEN, TWILIO_URL, tampered, TWILIO_SIGNATURE)


# --- number hashing -----------------------------------------------------------


def test_number_hash_is_salted_hmac_sha256_and_hides_the_number():
    key = hash_key("pepper", "token")
    expected = hmac.new(b"pepper", b"+15550100001", hashlib.sha256).hexdigest()[:32]
    assert hash_number("+15550100001", key) == expected
    assert sender_id(expected) == "sms-" + expected
    assert "5550100001" not in sender_id(expected)
    assert hash_number("+15550100001", hash_key("other", "token")) != expected


def test_without_salt_the_key_comes_from_the_auth_token_but_is_not_it():
    key = hash_key(None, "token")
    assert key == hash_key("", "token") != b"token"
    assert key != hash_key(None, "rotated-token")


# --- keywords and choices -----------------------------------------------------


@pytest.mark.parametrize("body", ["STOP", "stop", " Stop. ", "STOPALL", "unsubscribe", "Cancel", "END", "quit!"])
def test_opt_out_keywords(body):
    assert parse_keyword(body) == (Keyword.OPT_OUT, "en")


@pytest.mark.parametrize("body", ["START", "unstop", "Yes"])
def test_opt_in_keywords(body):
    assert parse_keyword(body) == (Keyword.OPT_IN, "en")


def test_help_keyword_and_ordinary_messages():
    assert parse_keyword("help") == (Keyword.HELP, "en")
    for body in ("help me with the pump", "please don't stop the pump", "my son's sugar is 45", "", "1"):
        assert parse_keyword(body) is None


@pytest.mark.parametrize(
    "body,keyword",
    [
        ("PARAR", Keyword.OPT_OUT),
        ("parar", Keyword.OPT_OUT),
        ("Alto.", Keyword.OPT_OUT),
        ("CANCELAR", Keyword.OPT_OUT),
        ("COMENZAR", Keyword.OPT_IN),
        ("reanudar", Keyword.OPT_IN),
        ("AYUDA", Keyword.HELP),
        ("ayuda!", Keyword.HELP),
    ],
)
def test_spanish_keywords_are_answered_in_spanish(body, keyword):
    assert parse_keyword(body) == (keyword, "es")


def test_spanish_sentences_with_a_keyword_in_them_are_questions():
    for body in ("ayuda por favor mi hijo no despierta", "no quiero parar la bomba", "alto azucar"):
        assert parse_keyword(body) is None


def test_spanish_sms_texts_use_spanish_keywords():
    from bot.channels.sms.texts import load_sms_texts_by_language

    texts = load_sms_texts_by_language(get_knowledge())["es"]
    assert "PARAR" in texts.help and "COMENZAR" in texts.stop_confirmation
    assert "STOP" not in texts.help


def test_numbered_choice_picks_the_offered_payload():
    options = ["/ask_sick_days", "/ask_when_to_call", "/ask_backup_plan"]
    assert parse_choice("1", options) == "/ask_sick_days"
    assert parse_choice(" 3. ", options) == "/ask_backup_plan"
    assert parse_choice("2)", options) == "/ask_when_to_call"
    for body in ("4", "0", "12", "1 and 2", "one"):
        assert parse_choice(body, options) is None
    assert parse_choice("1", []) is None


def test_buttons_become_numbered_options_from_knowledge_wording():
    texts = SmsTexts("h", "s", "t", "n", "Pick one:", "{number}) {title}")
    buttons = [{"title": f"Topic {i}", "payload": f"/ask_{i}"} for i in range(1, 5)]
    block, payloads = numbered_options(buttons, texts)
    assert block == "Pick one:\n1) Topic 1\n2) Topic 2\n3) Topic 3"
    assert payloads == ["/ask_1", "/ask_2", "/ask_3"]
    assert numbered_options([], texts) == ("", [])


# --- splitting ----------------------------------------------------------------

SENTENCES = [f"Sentence number {i} says something useful about the pump start." for i in range(1, 16)]


def test_short_text_is_one_part():
    assert split_sms("Hello there. Ask me anything.") == ["Hello there. Ask me anything."]


def test_long_text_splits_between_sentences_into_at_most_3_parts_of_320():
    text = " ".join(SENTENCES[:12])  # about 750 characters
    parts = split_sms(text)
    assert 2 <= len(parts) <= 3
    assert all(len(p) <= 320 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text


def test_too_long_text_is_cut_to_3_parts():
    parts = split_sms(" ".join(SENTENCES * 2))
    assert len(parts) == 3 and all(len(p) <= 320 for p in parts)
    assert parts[0].startswith(SENTENCES[0])


def test_a_sentence_longer_than_a_part_is_cut_between_words():
    text = " ".join(["word"] * 100) + "."  # 500 characters, no sentence break
    parts = split_sms(text)
    assert all(len(p) <= 320 for p in parts) and len(parts) == 2
    assert " ".join(parts) == text


def test_options_tail_is_kept_whole_and_dropped_first():
    tail = "Reply:\n1 One\n2 Two"
    fits = split_sms("Short answer.", tail)
    assert fits == ["Short answer.\n\n" + tail]
    long_answer = " ".join(SENTENCES[:5])  # ~325 characters: the tail goes to part 2
    parts = split_sms(long_answer, tail)
    assert parts[-1] == tail or parts[-1].endswith(tail)
    full = split_sms(" ".join(SENTENCES[:15]), tail)
    assert len(full) == 3 and not full[-1].endswith(tail)


def test_paragraphs_survive_within_a_part():
    assert split_sms("Call 911 now.\n\nThen call us.") == ["Call 911 now.\n\nThen call us."]


def test_every_topic_sms_with_its_options_fits_in_3_parts():
    knowledge = get_knowledge()
    texts = load_sms_texts(knowledge.contacts)
    for topic in knowledge.topics:
        buttons = [
            {"title": knowledge.by_id[r].title, "payload": "/" + knowledge.by_id[r].intent} for r in topic.related
        ]
        tail, _ = numbered_options(buttons, texts)
        parts = split_sms(knowledge.fill(topic.sms), tail)
        assert len(parts) <= 3 and all(len(p) <= 320 for p in parts), topic.id
        assert parts[-1].endswith(tail), topic.id


# --- knowledge/sms.yml --------------------------------------------------------


def test_sms_texts_load_with_contacts_filled():
    contacts = get_knowledge().contacts
    texts = load_sms_texts(contacts)
    assert contacts["program_name"] in texts.help and contacts["clinic_phone"] in texts.help
    assert "{" not in texts.stop_confirmation + texts.start_confirmation
    assert texts.option(2, "Sick days").startswith("2")


def _broken_copy(tmp_path, change):
    shutil.copy(KNOWLEDGE_DIR / "sms.yml", tmp_path / "sms.yml")
    data = yaml.safe_load((tmp_path / "sms.yml").read_text())
    change(data["sms"])
    (tmp_path / "sms.yml").write_text(yaml.safe_dump(data))
    return tmp_path


@pytest.mark.parametrize(
    "change, field, words",
    [
        (lambda d: d.pop("help"), "help", "missing"),
        (lambda d: d.update(help="Call {clinic_fone}"), "help", "unknown placeholder"),
        (lambda d: d.update(stop_confirmation="x" * 321), "stop_confirmation", "320"),
        (lambda d: d.update(option_line="{number}"), "option_line", "{title}"),
        (lambda d: d.update(option_line="{number} {title} {clinic_phone}"), "option_line", "unknown placeholder"),
        (lambda d: d.update(helpp="typo"), "helpp", "unknown key"),
        (lambda d: d.update(start_confirmation="  "), "start_confirmation", "non-empty"),
        (lambda d: d.update(help="Call { now"), "help", "braces"),
    ],
)
def test_broken_sms_file_names_file_and_field(tmp_path, change, field, words):
    root = _broken_copy(tmp_path, change)
    with pytest.raises(KnowledgeError) as error:
        load_sms_texts(get_knowledge().contacts, root)
    assert error.value.field == field
    assert error.value.file.endswith("sms.yml")
    assert words in str(error.value)


def test_contacts_too_long_for_one_sms_are_caught_at_load(tmp_path):
    contacts = {**get_knowledge().contacts, "clinic_hours": "h" * 300}
    with pytest.raises(KnowledgeError) as error:
        load_sms_texts(contacts)
    assert error.value.field == "help"


# --- configuration ------------------------------------------------------------

FULL_ENV = {
    "SMS_ACCOUNT_SID": "ACx",
    "SMS_AUTH_TOKEN": "tok",
    "SMS_FROM_NUMBER": "+15550109999",
    "SMS_WEBHOOK_URL": "https://sms.example.test/webhooks/sms/webhook",
}


def test_config_is_off_without_sms_variables():
    assert SmsConfig.from_env({}) is None


def test_config_defaults_to_twilio_api():
    config = SmsConfig.from_env(FULL_ENV)
    assert config.api_base_url == "https://api.twilio.com" and config.hash_salt is None
    config = SmsConfig.from_env({**FULL_ENV, "SMS_API_BASE_URL": "http://127.0.0.1:9", "SMS_HASH_SALT": "s"})
    assert config.api_base_url == "http://127.0.0.1:9" and config.hash_salt == "s"


def test_partial_config_refuses_to_start_and_names_what_is_missing():
    with pytest.raises(SmsConfigError, match="SMS_WEBHOOK_URL"):
        SmsConfig.from_env({k: v for k, v in FULL_ENV.items() if k != "SMS_WEBHOOK_URL"})


def test_credentials_file_settings_are_refused():
    with pytest.raises(SmsConfigError, match="environment"):
        SmsInput.from_credentials({"auth_token": "in-a-file"})


def test_off_channel_answers_503(monkeypatch):
    import asyncio

    for name in FULL_ENV:
        monkeypatch.delenv(name, raising=False)
    channel = SmsInput.from_credentials(None)
    assert asyncio.run(channel.receive(b"From=x", None))[0] == 503
