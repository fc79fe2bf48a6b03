"""Concepts, context, normalisation and turns: what makes escalation hold on new phrasings."""

import pytest

from bot.core.escalation import assess, assess_turns
from bot.core.text.normalise import fold


def level(text: str) -> str:
    return assess(text).level


# --- one concept, many spellings: lemmas, word order, typos, texting --------------------


@pytest.mark.parametrize(
    "text",
    [
        "she won't wake up",
        "she wont wake",
        "we cant wake her",
        "couldnt get him to wake up",
        "he is not waking",
        "she can not be woken",
        "hard to wake him",
        "unable to rouse her",
        "he is unconcious",
        "she passed out",
        "he keeps passing out",
        "she blacked out at school",
        "he collapsed",
        "found him on the bathroom floor",
    ],
)
def test_unresponsive_in_any_form(text):
    assert level(text) == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "siezure",
        "she's seizing",
        "he had a seizer",
        "convulsing",
        "konvulsing",
        "her eyes are rolling back",
        "having a fit on the floor",
    ],
)
def test_seizure_spelt_any_way(text):
    assert level(text) == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "shes 2.6 and too drowsy to swallow anything",  # low + cannot take by mouth
        "bg 48 and he wont drink the juice",
        "dexcom says 55 and she is so sleepy",  # low + drowsy
        "low and confused",
        "she's 44 and slurring her words",
        "hes shaky and confused",  # signs of a low + confusion
        "she can't drink the juice, too drowsy",
        "410 and breathing really fast",  # high + fast breathing
        "her breath smells like nail polish remover and she's 380",
        "480 and hes confused",
        "vomiting and her ketones are large",
        "I gave double insulin and now he's really groggy",  # insulin mistake + signs
    ],
)
def test_combinations_make_emergencies(text):
    assert level(text) == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "I think I bolused him twice",
        "I gave her double insulin by accident",
        "gave lantus instead of novolog",
        "forgot his lunch bolus",
        "we bolused for dinner and he didnt eat it",
        "can I give 3u",
        "how much insulin for 300",
        "bg 19mmols",
        "pump stopped working",
        "the pod fell off at recess",
        "trace ketones",
        "she's puking",
        "he's shaky and sweaty",
        "meter says LO",
    ],
)
def test_clinic_concerns(text):
    assert level(text) == "clinic"


# --- context: negated, hypothetical, history, someone else, resolved ------------------------


@pytest.mark.parametrize(
    "text",
    [
        "no ketones, no vomiting, just a cold",
        "she has never had a seizure, can she get a pump",
        "what if he has a seizure at school",
        "what do we do if he ever passes out",
        "if the pump breaks what is the back up plan",
        "he had a seizure 3 years ago, can he still get a pump",
        "she had dka at diagnosis",
        "my friend's daughter passed out from a low",
        "a kid in his class fainted at assembly",
        "what does dka stand for",
        "what is dka?",
        "do we need ketone strips for the pump?",
        "how do you use baqsimi",
        "is 911 the number to call in an emergency?",
    ],
)
def test_context_keeps_benign_messages_benign(text):
    assert level(text) == "none"


def test_doubt_is_not_negation():
    assert level("not sure if she's breathing right, lips look blue") == "emergency"
    assert level("he can't stop shaking and he's 50") in ("clinic", "emergency")
    assert level("idk if it was a seizure") == "emergency"


def test_a_plain_if_is_doubtful_so_it_reaches_the_clinic_not_911():
    assert level("if he won't wake up what do i do") == "clinic"


def test_days_ago_or_over_now_is_for_the_clinic_not_911():
    assert level("she had a seizure yesterday") == "clinic"
    assert level("she passed out but she's fine now") == "clinic"
    assert level("she had a seizure an hour ago") == "emergency"  # recent enough to be now


def test_negation_does_not_reach_past_its_clause():
    assert level("no ketones, but she's vomiting") == "clinic"
    assert level("no fever and she's 45") == "clinic"  # a reading is never negated


# --- normalisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, mgdl",
    [
        ("bg ４５", 45),  # full-width digits
        ("bg ٤٥", 45),  # Arabic-Indic digits
        ("sugar 2,5 mmol", 45),  # decimal comma
        ("bg 2.5mmols", 45),
        ("bg 2.5 mmol/lt", 45),
        ("bg 2.5mM", 45),
        ("bg 2.5 mml", 45),
        ("bg 45mg/dls", 45),
        ("bg 45 mgdl", 45),
        ("bg 45mgs", 45),
    ],
)
def test_units_and_digits_are_normalised(text, mgdl):
    a = assess(text)
    assert a.level == "clinic"
    assert a.reading_mgdl == pytest.approx(mgdl)


def test_fold_keeps_meaning_and_drops_accents():
    assert fold("Despertó ＡＢＣ") == "desperto abc"
    assert fold("he’s “low”") == 'he\'s "low"'


def test_decimal_comma_leaves_lists_and_thousands_alone():
    assert assess("bg 1,200 is not a thing").reading_mgdl is None or assess("bg 1,200").level == "none"
    assert assess("she was 45, 50 and then 60").level == "clinic"


# --- the conversation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "earlier, text, expected",
    [
        (["his sugar is"], "30 something", "clinic"),
        (["checked his bg"], "39", "clinic"),
        (["she's been sick all day"], "now she won't wake up", "emergency"),
        (["dexcom says 44"], "and now she's really confused", "emergency"),
        (["she's 45"], "and she won't drink anything", "emergency"),
    ],
)
def test_turns_that_complete_each_other(earlier, text, expected):
    a = assess_turns(text, earlier)
    assert a.level == expected


def test_earlier_concerns_are_not_repeated():
    assert assess_turns("what is the saline week", ["he's 320"]).level == "none"
    assert assess_turns("ok thanks", ["she won't wake up"]).level == "none"


def test_context_raises_only_when_the_turns_together_say_more():
    a = assess_turns("30 something", ["his sugar is"])
    assert a.from_context
    assert not assess_turns("she's 45", ["hello"]).from_context


# --- cost: linear in the length, counted in steps (timings are make bench's job) -------------


@pytest.mark.parametrize(
    "unit",
    [
        "1 ",
        "she is not waking up and sugar is 45 no ketones if what ",
        "his sugar is low and he is confused and vomiting ketones ",
        "sugar45",
        "a",
    ],
)
def test_work_grows_linearly_with_the_text(monkeypatch, unit):
    import bot.core.escalation.readings as readings
    import bot.core.text.patterns as patterns

    steps = {"n": 0}

    def counted(module, name):
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            steps["n"] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counted(patterns, "match_seq")
    counted(patterns, "_elem_ends")
    counted(readings.Phrases, "back")
    counted(readings.Phrases, "at")

    def work(chars):
        steps["n"] = 0
        assess((unit * (chars // len(unit) + 1))[:chars])
        return steps["n"]

    small, big = work(2000), work(64000)
    assert big <= small * 32 * 1.2 + 100, (small, big)


# --- numbers written as words (dictation) --------------------------------------------------


@pytest.mark.parametrize(
    "text, mgdl",
    [
        ("his sugar is forty five", 45),
        ("bg three hundred and ten", 310),
        ("she is two point eight", 50.4),
        ("the dex says fifty-two", 52),
        ("shes been in the three hundreds all day", 300),
    ],
)
def test_numbers_in_words_are_readings(text, mgdl):
    a = assess(text)
    assert a.level == "clinic"
    assert a.reading_mgdl == pytest.approx(mgdl)


@pytest.mark.parametrize(
    "text",
    ["the wrong one went in the cart", "no one told us", "she is twelve", "we have two pumps and one broke last year"],
)
def test_number_words_that_are_not_readings(text):
    assert level(text) == "none"


def test_confusion_while_blood_sugar_is_talked_about_is_an_emergency_unless_a_reading_is_in_range():
    # The number may be one the finder cannot read ("Mason is 38 on his app"); a number in range says no.
    assert level("his sugar is weird and hes not making any sense") == "emergency"
    assert level("the dexcom app keeps alarming and she is slurring") == "emergency"
    assert level("dexcom says 150 and he is acting weird") == "clinic"


@pytest.mark.parametrize(
    "text, level",
    [
        # Days ago and fine since (rules.yml context_together): handled, told for the record.
        ("his bg was 48 on saturday, we gave juice and he has been fine ever since", "none"),
        ("she ran 320 for a few days last week, no problems since", "none"),
        ("tuvo 52 el sabado pasado, le dimos jugo y bien desde entonces", "none"),
        # Only days ago, or only over now: still for the team.
        ("his bg was 48 on saturday", "clinic"),
        ("he was 48 an hour ago, we treated it", "clinic"),
        # A sign the team must hear about stays with the team even when it is over.
        ("she fainted on saturday but has been fine ever since", "clinic"),
    ],
)
def test_a_past_low_or_high_that_is_over_is_for_the_record_but_not_a_past_faint(text, level):
    assert assess(text).level == level


@pytest.mark.parametrize(
    "text, level",
    [
        # Asking whether to call after telling a concern: the answer is yes, call (never silence).
        ("she wont wake up, is that something to call about?", "emergency"),
        ("his sugar is 45 should we call or just wait", "clinic"),
        ("been low a lot this week, enough to call or wait for the visit?", "clinic"),
        ("tiene 45 y esta temblando, es suficiente para llamar?", "clinic"),
        # A number to call, asked alone, is no concern.
        ("what number do i use to call the clinic", "none"),
    ],
)
def test_asking_whether_to_call_never_hides_the_concern_told_with_it(text, level):
    assert assess(text).level == level


@pytest.mark.parametrize(
    "turns, level",
    [
        # Rounds 15-20 (blind batches O-T, the understanding sets 9-12): each a concept, in this
        # file's own words; the batches themselves are in blind/.
        # Glucagon named, then "it" given: past forms only, so a question how or when stays calm.
        (["question about the baqsimi", "we had to use it an hour ago"], "emergency"),
        (["glucagon pen", "gave it to him, he is coming round"], "emergency"),
        (["the glucagon kit is out, he is not eating, can we give it"], "emergency"),
        (["when do we give the glucagon pen"], "none"),
        (["we keep a glucagon kit in the car but have never used it"], "none"),
        # A number of unclear unit with a child too sleepy or unable to drink: taken for the low.
        (["bg 24 and she will not drink her juice"], "emergency"),
        # Cannot say his own name, acting very odd: confusion.
        (["he is acting very odd, sugar 50"], "emergency"),
        (["dexcom 52 and she cant tell me her name"], "emergency"),
        (["i cant tell you her name, the nurse who called"], "none"),
        # Planning questions: "if she vomits", "if his numbers keep", how likely, what an alarm means.
        (["if he vomits and has ketones should we go to the er or call you"], "none"),
        (["if he throws up again should we call, he threw up this morning"], "clinic"),
        (["if her sugars keep going under 70 most days do we call"], "none"),
        (["are ketones less likely with a pump"], "none"),
        (["what does it mean when the pump shows an occlusion alarm"], "none"),
        # A setting that does too little is a calm dose question, not a weak child.
        (["his carb ratio seems too weak, how do i change it"], "none"),
        (["she is so weak and shaky, 48"], "emergency"),
        # Lows told with how often, after the number.
        (["she drops to 62 some mornings"], "clinic"),
        # What a pump or another carer can do with glucagon; how hot before insulin spoils; at what point.
        (["does any pump deliver glucagon"], "none"),
        (["can the teacher give it, the glucagon, if he is at school"], "none"),
        (["how long can insulin sit in a hot car before it is ruined"], "none"),
        (["at what point should we phone about highs"], "none"),
        # ... but a question and then the child now, after a comma, is the child now.
        (["when are we supposed to call, she is at 44"], "clinic"),
        (["how do you treat a low, hes 52 and sweaty"], "clinic"),
        (["at what point do we call, shes 41 and wont wake up"], "emergency"),
        # A sign easing a moment after an emergency: the emergency goes on.
        (["he is having a fit", "ok it seems to be slowing down"], "emergency"),
        (["she is coming round now"], "none"),
        # A sign told after a clinic concern repeats it; the family saying it is handled does not.
        (["she vomited after lunch", "and now she feels sick again"], "clinic"),
        (["she was 55 and sweaty", "ok juice worked, 121 now, thanks"], "none"),
        # Someone without diabetes; whom to call in which case.
        (["my son without diabetes has a stomach bug, his sister with t1d is 130"], "none"),
        (["in which situations do we call 911"], "none"),
        # Round 18: a number of units asked for a reading; what number is too high; carbs after "for".
        (["could he have 3 units for 310"], "clinic"),
        (["which reading is too low to phone you about"], "none"),
        (["we gave 2 units for 50 carbs at dinner"], "none"),
        # The writer's own age only after a subject ("im 41 and my son"), not a device's number.
        (["the dexcom says 41 and my son is slurring"], "emergency"),
        (["im 41 and my son starts the pump next week"], "none"),
        # Round 19: a capital O for a zero, an ascending range with "to", "so did i", "ketones, negative",
        # "two summers ago".
        (["she is 31O after the party"], "clinic"),
        (["been 260 to 310 since lunch"], "clinic"),
        (["came down from 290 to 140 after the correction, all good"], "none"),
        (["grandpa gave him his bolus and so did we"], "clinic"),
        (["ketones, negative. she is 118"], "none"),
        (["she had ketones at camp two summers ago"], "none"),
        # Round 20: nobody able to wake her; awake again after glucagon; a sign after the number; last time.
        (["no one could wake him up from his nap, he is 44"], "emergency"),
        (["we gave him the baqsimi", "he is awake again"], "emergency"),
        (["low 61 sweaty and cranky"], "clinic"),
        (["the last time she was 320 we called you and it helped"], "none"),
        # Round 21.
        (["the nurse had to do the glucagon at school"], "emergency"),  # a light verb for glucagon given
        (["had to do his glucagon", "hes awake now"], "emergency"),
        (["i nearly fainted when i opened the bill, who do i ask about it"], "none"),  # a figure of speech
        (["so much high energy after the party, is that normal with a pump"], "none"),  # not a blood sugar
        (["hes been high all day not coming down"], "clinic"),
        (["the pharmacy sent 3 boxes of sensors instead of 2, who do i tell"], "none"),  # supplies, not doses
        (["i gave him 3 units instead of 1"], "clinic"),
        (["gave her her sisters dose by mistake"], "clinic"),  # a sibling's dose
        (["she had lows before but it was months ago, how do we plan for camp"], "none"),
        (["she dropped to 55 once but that was years ago"], "none"),
        (["my cousins boy had dka, could that happen to mine"], "none"),  # another child's case as a risk
        (["what number is too low before we should call"], "none"),
        (["how high is too high for a teen"], "none"),
        (["will the pod come off on the trampoline"], "none"),  # a future question
        (["do we let you know when she runs low a few nights"], "none"),
        (["his tape comes off in the summer heat, how do we make it stay"], "none"),
        (["pod fell off in the bath"], "clinic"),  # fell off now: still a concern
        (["hes 50 not sure if he had breakfast"], "clinic"),  # not knowing is no refusal to eat
        (["hes 50 and wont eat"], "emergency"),
        # Round 22.
        (["shes just staring and twitching, sugar 44"], "emergency"),  # a blank stare with twitching
        (["he is staring at the wall and not answering, dex says 51"], "emergency"),
        (["been seeing 280-330 readings every afternoon"], "clinic"),  # glucose word after the number
        (["we do about 40 readings a week"], "none"),  # a count of readings
        (["ugh 62"], "clinic"),  # an exclamation before a bare reading
        (["tested ketones again, negative, bg 120"], "none"),
        (["i thought the pump would do it all, is that not how it works"], "none"),
        (["is there a threshold where we should call, like if she runs high a lot"], "none"),
        # Round 23.
        (["nope, no vomiting and no ketones, she is 120"], "none"),  # "nope" is an answer, not panic
        (["she got her dads insulin pen by mistake"], "clinic"),  # someone else's pen
        (["he took insulin from a pen instead of his own"], "clinic"),
        (["shugar 52 and sweaty"], "clinic"),
        (["which overpatch do you like so pods do not peel off at the beach"], "none"),  # a purpose
        (["pod peeled off at the beach"], "clinic"),
        (["i passed out when the nurse put his first site in haha, hes fine"], "none"),
        (["a follow up visit to help adjust his doses, when is that"], "none"),
        (["do we call for every high or only when it stays up"], "none"),
        (["if his numbers keep climbing over the next few weeks, at what point do we call"], "none"),
        (["checked him after practice", "61"], "clinic"),  # a longer turn is no cue for a bare number
        (["he had a rough low at recess", "now hes slurring"], "emergency"),  # a low, then a neuro sign
        # Round 24.
        (["the nurse used the injection out of her glucagon kit"], "emergency"),
        (["the tslim is flashing an error and wont bolus"], "clinic"),
        (["she dropped to 60 at practice last weeks game, we handled it, fyi"], "none"),
        (["her sites always get red and itchy from the tape, what can we try"], "none"),
        (["the site looks red and swollen today"], "clinic"),
        (["fifty two and she will not open her eyes"], "emergency"),  # a low with eyes kept shut
        # Round 25.
        (["our goalie just collapsed on the field"], "emergency"),
        (["i think the bolus went in twice"], "clinic"),
        (["highs all weekend and nothing brings them down"], "clinic"),
        (["his sugar is back in the 300s"], "clinic"),  # "back in" the 300s is no history
        (["back in 2018 he had a seizure, none since"], "none"),
        (["she had a low of 55 last week, we already talked to the nurse about it"], "none"),
        (["we dont know anyone else on a pump, who can we ask"], "none"),  # not confusion
        (["he doesnt know who i am and hes 45"], "emergency"),
        # Round 26.
        (["my big sister has a blood sugar of 48 and is slurring"], "emergency"),  # a sibling is a patient
        (["my sister has a cold, shes fine, just asking about the visit"], "none"),
        (["she is twitching and jerking, dexcom 44"], "emergency"),
        (["she was really low yesterday but shes good now"], "none"),
        (["is it safe for him to play with the pump on during soccer"], "none"),
        (["my toddler played with the pump buttons and it bolused"], "clinic"),
        (["seizures? no, just asking about the class"], "none"),
        (["can the insulin freeze in the pump when we go skiing"], "none"),
    ],
)
def test_concepts_of_rounds_15_to_26(turns, level):
    assert assess_turns(turns[-1], turns[:-1]).level == level
