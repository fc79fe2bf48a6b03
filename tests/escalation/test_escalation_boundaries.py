"""Thresholds, units, non-readings and the public API of bot.core.escalation."""

import subprocess
import sys
import time

import pytest

from bot import PROJECT_ROOT
from bot.core.escalation import Assessment, assess, load_rules


@pytest.mark.parametrize("phrase", ["bg {n}", "sugar is {n} mg/dL", "he's {n}", "dexcom says {n}"])
@pytest.mark.parametrize(
    "n, level",
    [
        (53, "clinic"),
        (54, "clinic"),
        (55, "clinic"),
        (69, "clinic"),
        (70, "none"),
        (71, "none"),  # strictly below 70 escalates
        (250, "none"),
        (251, "clinic"),  # strictly above 250 escalates
    ],
)
def test_mgdl_boundaries(phrase, n, level):
    a = assess(phrase.format(n=n))
    assert a.level == level
    assert a.reading_mgdl == n
    assert not a.unit_unclear


@pytest.mark.parametrize(
    "value, level, mgdl",
    [
        ("3.8", "clinic", 68.4),  # 3.8 x 18 = 68.4 < 70
        ("3.9", "none", 70.2),  # 3.9 x 18 = 70.2: not below 70
        ("13.9", "clinic", 250.2),  # 13.9 x 18 = 250.2 > 250, so it escalates
        ("14.0", "clinic", 252.0),  # 14.0 x 18 = 252
    ],
)
@pytest.mark.parametrize("phrase", ["bg {v} mmol/L", "sugar {v}mmol", "glucose is {v}"])
def test_mmol_boundaries(phrase, value, level, mgdl):
    a = assess(phrase.format(v=value))
    assert a.level == level
    assert a.reading_mgdl == pytest.approx(mgdl)


def test_unclear_unit_goes_to_clinic():
    a = assess("sugar is 25")
    assert (a.level, a.unit_unclear) == ("clinic", True)
    assert "unclear" in a.reason_text
    assert a.reading_mgdl is None  # cannot be normalised without a unit


@pytest.mark.parametrize(
    "text, unclear",
    [
        ("bg 14", True),
        ("bg 33", True),  # bounds of thresholds.ambiguous_*
        ("bg 13", False),
        ("bg 34", False),  # 13 can only be mmol, 34 only mg/dL
        ("sugar 25 mmol/L", False),
        ("sugar 25 mg/dl", False),
        ("sugar ran 13.5 to 16 all day", False),  # other readings give the unit
    ],
)
def test_ambiguous_range(text, unclear):
    assert assess(text).unit_unclear is unclear


@pytest.mark.parametrize(
    "text",
    [
        "she's 9",
        "she's 15",
        "he is 12 years old",
        "my 6 yo loves the pump",
        "he turns 14 next week",
        "he's 10",
        "day 3 of saline",
        "every 3 months",
        "is 4 phases normal",
        "my 2 kids",
        "3 kids",
        "we have 2 pumps",
        "call 555-0142",
        "a1c 7.5",
        "her a1c is 7.5%",
        "we gave 5 units",
        "change it at 3am",
        "appointment 3:30",
        "see you 5/14",
        "room 214",
        "he's 5'2",
        "libre 3 or libre 2?",
        "omnipod 5 and dexcom g7",
    ],
)
def test_numbers_that_are_not_readings(text):
    a = assess(text)
    assert a.level == "none", a.reasons
    assert a.reading_mgdl is None


@pytest.mark.parametrize(
    "text, mgdl",
    [
        ("he's 310", 310),
        ("she was 45", 45),
        ("hes at 300", 300),
        ("she's 45", 45),
        ("she's at 17 mmol", 306),
        ("he's 3.2", 57.6),
        ("bg=290", 290),
        ("45 on the meter", 45),
        ("dropped to 50 at recess", 50),
        ("she's been in the 60s", 60),
    ],
)
def test_reading_forms(text, mgdl):
    a = assess(text)
    assert a.level == "clinic"
    assert a.reading_mgdl == pytest.approx(mgdl)


@pytest.mark.parametrize("text", ["meter says HI", "reading LO", "dexcom says LOW", "LO on the meter"])
def test_meter_hi_lo(text):
    assert assess(text).level == "clinic"


def test_greeting_hi_is_not_a_meter_reading():
    assert assess("HI, can i get the training slides").level == "none"


def test_comparators():
    assert assess("bgs under 70 most nights").level == "clinic"
    assert assess("sugar was over 250 at bedtime").level == "clinic"
    assert assess("she was over 250").reading_mgdl == 250
    assert assess("bg over 240").level == "none"  # over 240 is not certainly above 250
    assert assess("her bg has been under 200 all day").level == "none"


def test_emergency_beats_clinic_and_reasons_keep_order():
    a = assess("bg was 40 and now she had a seizure")
    assert a.level == "emergency"
    assert a.reasons == ["readings below 70", "a seizure"]
    assert a.reason_text == "readings below 70 and a seizure"
    assert a.reading_mgdl == 40


def test_reason_text_joins_three():
    a = assess("she's 45, keeps going low and has ketones")
    assert a.reason_text == ", ".join(a.reasons[:-1]) + " and " + a.reasons[-1]
    assert len(a.reasons) == 3


def test_none_has_empty_reasons():
    a = assess("thanks!")
    assert (a.level, a.reasons, a.reason_text, a.reading_mgdl) == ("none", [], "", None)


def test_most_concerning_reading_prefers_the_low():
    assert assess("bg 300 at lunch then 45 at dinner").reading_mgdl == 45
    assert assess("bg 300 at lunch then 420 at dinner").reading_mgdl == 420


def test_pump_failure_flag():
    # A pump that stopped delivering insulin is a concern on its own: the reply
    # sends the family to the team and to their back-up plan.
    alone = assess("the pump stopped, how do i restart it")
    assert alone.pump_failure and alone.level == "clinic"
    assert alone.reasons == ["a pump or infusion site problem"]
    assert assess("what if the pump stops at night?").level == "none"  # a plan, not a failure
    for text in ("pump stopped and shes 300", "pump broke and bg high", "occlusion alarm, meter says HI"):
        a = assess(text)
        assert a.pump_failure and a.level == "clinic"
        assert "a pump problem with high blood sugars" in a.reasons


def test_ketones_and_vomiting():
    assert assess("ketones are small").level == "clinic"
    assert assess("vomiting and moderate ketones").level == "emergency"
    assert assess("throwing up but no ketones").level == "clinic"
    assert assess("no ketones, bg 140").level == "none"


@pytest.mark.parametrize(
    "text",
    [
        "wont wake up",
        "won't wake up",
        "passed out",
        "siezure",
        "she fainted",
        "unresponsive",
        "convulsing",
        "can't swallow",
        "breathing fast and very sleepy",
        "had a fit and is confused",
    ],
)
def test_red_flags(text):
    assert assess(text).level == "emergency"


def test_dose_questions_are_calm_unless_they_act_now_or_come_with_a_number_or_sign():
    # Issue 13: the calm dose answer (the team sets doses), not "call now" ...
    for text in ("how much insulin should i give", "can we change her basal", "how many units for 45 carbs"):
        found = assess(text)
        assert found.level == "none" and "dose_question" in found.signals, text
    # ... unless it is about acting now, or a number or a sign says there is a concern.
    for text in (
        "how do i correct a high",
        "should i give more insulin right now",
        "can i just give him 4 units",
        "how much insulin for 350",
        "he is high how much should i give",
        "can i change her basal tonight?",
    ):
        assert assess(text).level == "clinic", text


def test_default_rules_are_cached_and_optional():
    assert load_rules() is load_rules()
    assert assess("bg 40") == assess("bg 40", load_rules())
    assert isinstance(assess("bg 40"), Assessment)


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "?" * 50, "1" * 40, "-.-/ 3. .3 3.. #3", None])
def test_odd_input_does_not_crash(text):
    assert assess(text).level in ("none", "clinic", "emergency")


def test_long_message_is_fast():
    text = "she was fine today and we went to the park, " * 200 + "bg 45"
    start = time.perf_counter()
    a = assess(text)
    assert a.level == "clinic"
    assert time.perf_counter() - start < 0.5


def test_detector_does_not_import_rasa():
    code = "import sys, bot.core.escalation; sys.exit(any(m.split('.')[0] == 'rasa' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT).returncode == 0
