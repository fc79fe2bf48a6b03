"""knowledge/escalation.yml validation: every mistake names the file and field."""
import copy

import pytest
import yaml

from bot.escalation import assess, load_rules
from bot.escalation.rules import DEFAULT_PATH
from bot.knowledge.errors import KnowledgeError

BASE = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def write(tmp_path, data, name="escalation.yml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def broken(tmp_path, mutate):
    data = copy.deepcopy(BASE)
    mutate(data)
    return write(tmp_path, data)


def expect_error(path, field):
    with pytest.raises(KnowledgeError) as info:
        load_rules(path)
    err = info.value
    assert err.file == str(path)
    assert err.field == field
    assert str(path) in str(err) and field in str(err)
    return err


def test_shipped_file_loads():
    rules = load_rules(DEFAULT_PATH)
    assert rules.thresholds["low_mgdl"] == 70 and rules.thresholds["high_mgdl"] == 250
    assert rules.units["mmol_to_mgdl"] == 18


def test_round_trip_copy_loads(tmp_path):
    assert assess("bg 45", load_rules(write(tmp_path, BASE))).level == "clinic"


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.update(bogus=1), "bogus"),                                       # unknown key
    (lambda d: d["thresholds"].update(extra=5), "thresholds.extra"),
    (lambda d: d["signals"]["seizure"].update(typo=["x"]), "signals.seizure.typo"),
    (lambda d: d["rules"][0].update(levle="clinic"), "rules[0].levle"),
    (lambda d: d["thresholds"].pop("low_mgdl"), "thresholds.low_mgdl"),           # missing field
    (lambda d: d.pop("rules"), "rules"),
    (lambda d: d["readings"].pop("glucose_words"), "readings.glucose_words"),
    (lambda d: d["signals"]["ketones"].pop("patterns"), "signals.ketones.patterns"),
    (lambda d: d["rules"][1].pop("reason"), "rules[1].reason"),
    (lambda d: d["thresholds"].update(low_mgdl="70"), "thresholds.low_mgdl"),     # non-numeric
    (lambda d: d["thresholds"].update(high_mgdl="high"), "thresholds.high_mgdl"),
    (lambda d: d["thresholds"].update(age_max=True), "thresholds.age_max"),
    (lambda d: d["units"].update(mmol_to_mgdl=None), "units.mmol_to_mgdl"),
    (lambda d: d["readings"].update(glucose_words="sugar"), "readings.glucose_words"),  # wrong type
    (lambda d: d.update(thresholds=[70, 250]), "thresholds"),
    (lambda d: d["readings"]["not_after"].append(7), "readings.not_after[%d]" % len(BASE["readings"]["not_after"])),
    (lambda d: d["rules"][0].update(all="seizure"), "rules[0].all"),
    (lambda d: d["signals"]["seizure"].update(patterns=[]), "signals.seizure.patterns"),  # empty list
    (lambda d: d["readings"].update(not_before=[]), "readings.not_before"),
    (lambda d: d["units"].update(mmol=[]), "units.mmol"),
    (lambda d: d["rules"][0].update(all=[]), "rules[0].all"),
    (lambda d: d["signals"]["seizure"]["patterns"].insert(0, "(unclosed"), "signals.seizure.patterns[0]"),
    (lambda d: d["readings"]["defuse"].insert(0, "[bad"), "readings.defuse[0]"),
    (lambda d: d["rules"][0].update(all=["no_such_signal"]), "rules[0].all"),       # consistency
    (lambda d: d["rules"][0].update(level="urgent"), "rules[0].level"),
    (lambda d: d["rules"][0].update(reason="below {nope}"), "rules[0].reason"),
    (lambda d: d["signals"].pop("pump_failure"), "signals.pump_failure"),
    (lambda d: d["signals"].update(reading_low={"patterns": ["x"]}), "signals.reading_low"),
    (lambda d: d["thresholds"].update(low_mgdl=300), "thresholds.low_mgdl"),
    (lambda d: d["thresholds"].update(window_words=0), "thresholds.window_words"),
])
def test_broken_file_names_file_and_field(tmp_path, mutate, field):
    expect_error(broken(tmp_path, mutate), field)


def test_missing_and_unparsable_files_name_the_file(tmp_path):
    for path, text in ((tmp_path / "absent.yml", None), (tmp_path / "bad.yml", "rules: [unclosed")):
        if text is not None:
            path.write_text(text, encoding="utf-8")
        with pytest.raises(KnowledgeError) as info:
            load_rules(path)
        assert info.value.file == str(path) and str(path) in str(info.value)


def test_thresholds_and_reasons_come_from_yaml(tmp_path):
    data = copy.deepcopy(BASE)
    data["thresholds"]["high_mgdl"] = 300
    for rule in data["rules"]:
        if rule["reason"] == "readings above {high_mgdl}":
            rule["reason"] = "numbers over {high_mgdl}"
    rules = load_rules(write(tmp_path, data))
    assert assess("bg 280", rules).level == "none"
    assert assess("bg 320", rules).reasons == ["numbers over 300"]
