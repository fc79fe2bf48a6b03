"""knowledge/escalation/ validation: every mistake names the file and the field."""

import copy

import pytest
import yaml

from bot.core.escalation import assess, load_rules
from bot.core.escalation.lexicon import load_lexicon
from bot.core.escalation.rules import DEFAULT_PATH, ESCALATION_DIR
from bot.core.knowledge.errors import KnowledgeError

RULES = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
LEXICON_PATH = ESCALATION_DIR / "en.yml"
LEXICON = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))


def write(tmp_path, data, name):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def expect_error(load, path, field):
    with pytest.raises(KnowledgeError) as info:
        load()
    err = info.value
    assert err.file == str(path)
    assert err.field == field
    assert str(path) in str(err) and field in str(err)
    return err


def test_shipped_files_load():
    rules = load_rules(DEFAULT_PATH)
    assert rules.thresholds["low_mgdl"] == 70 and rules.thresholds["high_mgdl"] == 250
    assert rules.units["mmol_to_mgdl"] == 18
    lex = load_lexicon("en", rules, LEXICON_PATH)
    assert set(lex.reasons) == {r.reason for r in rules.rules}


def test_round_trip_copies_load(tmp_path):
    rules = load_rules(write(tmp_path, RULES, "rules.yml"))
    assert load_lexicon("en", rules, write(tmp_path, LEXICON, "en.yml")).language == "en"


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d.update(bogus=1), "bogus"),  # unknown key
        (lambda d: d["thresholds"].update(extra=5), "thresholds.extra"),
        (lambda d: d["rules"][0].update(levle="clinic"), "rules[0].levle"),
        (lambda d: d["context"]["negated"].update(reach=3), "context.negated.reach"),
        (lambda d: d["thresholds"].pop("low_mgdl"), "thresholds.low_mgdl"),  # missing field
        (lambda d: d.pop("rules"), "rules"),
        (lambda d: d["rules"][1].pop("reason"), "rules[1].reason"),
        (lambda d: d["conversation"].pop("turns"), "conversation.turns"),
        (lambda d: d["thresholds"].update(low_mgdl="70"), "thresholds.low_mgdl"),  # wrong type
        (lambda d: d["thresholds"].update(age_max=True), "thresholds.age_max"),
        (lambda d: d["units"].update(mmol_to_mgdl=None), "units.mmol_to_mgdl"),
        (lambda d: d.update(thresholds=[70, 250]), "thresholds"),
        (lambda d: d["units"].update(mmol=[]), "units.mmol"),
        (lambda d: d["rules"][0].update(all="seizure"), "rules[0].all"),
        (lambda d: d["rules"][0].update(all=[]), "rules[0].all"),
        (lambda d: d["context"]["negated"].update(scope=0), "context.negated.scope"),
        (lambda d: d["context"]["negated"].update(effect="shout"), "context.negated.effect"),
        (lambda d: d["context"]["negated"].update(readings="no"), "context.negated.readings"),
        (lambda d: d["rules"][0].update(all=["no_such_signal"]), "rules[0].all"),  # consistency
        (lambda d: d["rules"][0].update(all=[["seizure", "nope"]]), "rules[0].all"),
        (lambda d: d["rules"][0].update(level="urgent"), "rules[0].level"),
        (lambda d: d["concepts"].pop("pump_failure"), "concepts.pump_failure"),
        (lambda d: d["concepts"].update(reading_low="a low"), "concepts.reading_low"),
        (lambda d: d["thresholds"].update(low_mgdl=300), "thresholds.low_mgdl"),
        (lambda d: d["thresholds"].update(max_mgdl=200), "thresholds.max_mgdl"),
        (lambda d: d["thresholds"].update(window_words=0), "thresholds.window_words"),
        (lambda d: d["context_together"][0].update(cues=["recent_past", "lately"]), "context_together[0].cues"),
        (lambda d: d["context_together"][0].update(cues=["recent_past"]), "context_together[0].cues"),
        (lambda d: d["context_together"][0].update(signals=["reading_lo"]), "context_together[0].signals"),
        (lambda d: d["context_together"][0].update(effect="hush"), "context_together[0].effect"),
        (lambda d: d["context_together"][0].pop("signals"), "context_together[0].signals"),
    ],
)
def test_broken_rules_name_file_and_field(tmp_path, mutate, field):
    data = copy.deepcopy(RULES)
    mutate(data)
    path = write(tmp_path, data, "rules.yml")
    expect_error(lambda: load_rules(path), path, field)


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d.update(bogus=1), "bogus"),
        (lambda d: d.update(language="es"), "language"),
        (lambda d: d["concepts"]["seizure"].update(typo=["x"]), "concepts.seizure.typo"),
        (lambda d: d["concepts"].pop("seizure"), "concepts.seizure"),  # every concept of rules.yml
        (lambda d: d["concepts"].update(hiccups={"patterns": ["hic"]}), "concepts.hiccups"),
        (lambda d: d["concepts"]["seizure"].update(patterns=[]), "concepts.seizure.patterns"),
        (lambda d: d["concepts"]["seizure"]["patterns"].insert(0, "@nosuchclass fit"), "concepts.seizure.patterns[0]"),
        (lambda d: d["concepts"]["seizure"]["patterns"].insert(0, "... fit"), "concepts.seizure.patterns[0]"),
        (lambda d: d["concepts"]["seizure"]["patterns"].insert(0, "a & b & c"), "concepts.seizure.patterns[0]"),
        (lambda d: d["concepts"]["seizure"]["patterns"].insert(0, "fit?"), "concepts.seizure.patterns[0]"),
        (lambda d: d["concepts"]["seizure"]["patterns"].insert(0, "@num:1-x"), "concepts.seizure.patterns[0]"),
        (lambda d: d["concepts"]["seizure"]["unless"].insert(0, 7), "concepts.seizure.unless[0]"),
        (lambda d: d["context"].pop("hypothetical"), "context.hypothetical"),  # every category of rules.yml
        (lambda d: d["context"].update(rumour={"forward": ["they say"]}), "context.rumour"),
        (
            lambda d: d["context"]["negated"].pop("forward") and d["context"]["negated"].pop("backward"),
            "context.negated",
        ),
        (lambda d: d["readings"].pop("glucose_words"), "readings.glucose_words"),
        (lambda d: d["readings"].update(glucose_words="sugar"), "readings.glucose_words"),
        (lambda d: d["readings"]["defuse"].insert(0, "[bad"), "readings.defuse[0]"),
        (lambda d: d["reasons"].pop("seizure"), "reasons.seizure"),  # every reason of rules.yml
        (lambda d: d["reasons"].update(seizure="a fit above {nope}"), "reasons.seizure"),
        (lambda d: d["classifier_reasons"].pop("clinic"), "classifier_reasons.clinic"),
        (lambda d: d["classes"].update(neg="not"), "classes.neg"),
        (lambda d: d.update(gap=0), "gap"),
        (lambda d: d["numbers"]["tens"].update(forty="40"), "numbers.tens.forty"),
        (lambda d: d["numbers"].pop("point"), "numbers.point"),
    ],
)
def test_broken_lexicon_names_file_and_field(tmp_path, mutate, field):
    data = copy.deepcopy(LEXICON)
    mutate(data)
    path = write(tmp_path, data, "en.yml")
    expect_error(lambda: load_lexicon("en", load_rules(), path), path, field)


def test_missing_and_unparsable_files_name_the_file(tmp_path):
    for path, text in ((tmp_path / "absent.yml", None), (tmp_path / "bad.yml", "rules: [unclosed")):
        if text is not None:
            path.write_text(text, encoding="utf-8")
        with pytest.raises(KnowledgeError) as info:
            load_rules(path)
        assert info.value.file == str(path) and str(path) in str(info.value)


def test_thresholds_and_reasons_come_from_yaml(tmp_path):
    rules_data, lex_data = copy.deepcopy(RULES), copy.deepcopy(LEXICON)
    rules_data["thresholds"]["high_mgdl"] = 300
    lex_data["reasons"]["reading_high"] = "numbers over {high_mgdl}"
    rules = load_rules(write(tmp_path, rules_data, "rules.yml"))
    assert load_lexicon("en", rules, write(tmp_path, lex_data, "en.yml")).reasons["reading_high"] == "numbers over 300"
    assert assess("bg 280", rules).level == "none"
    assert assess("bg 320", rules).level == "clinic"


def test_a_combination_rule_is_data(tmp_path):
    # Take away "a low with confusion is an emergency" and the same message is only a clinic concern.
    data = copy.deepcopy(RULES)
    data["rules"] = [r for r in data["rules"] if not (r["level"] == "emergency" and r["reason"] == "low_with_signs")]
    rules = load_rules(write(tmp_path, data, "rules.yml"))
    assert assess("she is 45 and very confused").level == "emergency"
    assert assess("she is 45 and very confused", rules).level == "clinic"
