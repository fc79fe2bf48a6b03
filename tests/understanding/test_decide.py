"""bot.core.understanding on its own (no Rasa): the decisions, one rule at a time.

The sentences here are this file's own; the blind sets (blind/) measure the rest.
"""

import shutil

import pytest
import yaml

from bot import KNOWLEDGE_DIR
from bot.core.knowledge import KnowledgeError
from bot.core.understanding import NOT_COVERED, understand
from bot.core.understanding.lexicon import load_lexicon
from bot.core.understanding.rules import load_rules


def ranking(*topics, first=0.7):
    """The classifier's ranking; its first below rules.yml's classifier_alone unless said."""
    return [(f"ask_{t}", first - 0.1 * i) for i, t in enumerate(topics)]


SOCIAL = [("greet", 0.6), ("thanks", 0.3)]


@pytest.mark.parametrize(
    "text, topic",
    [
        ("tell me about the saline part", "saline_week"),
        ("who teaches us to run the thing", "pump_training"),
        ("does our insurance pay for a pump", "insurance"),
        ("where do refills come from", "supplies"),
        ("what if the device breaks one day", "backup_plan"),
    ],
)
def test_a_topic_is_answered_when_the_message_is_about_it(text, topic):
    assert understand(text, ranking(topic)).topics == (topic,)


def test_the_classifier_topic_is_refused_when_the_message_is_not_about_it():
    # The classifier's favourite says nothing about the message: no unrelated answer.
    found = understand("does the pump come in purple", ranking("wearing_pump"))
    assert found.intent == NOT_COVERED and found.theme == "general"
    assert understand("what colour is the sky", ranking("wearing_pump")).intent == "nlu_fallback"


def test_an_all_but_certain_classifier_answers_what_the_words_do_not_show():
    rules = load_rules()
    text = "does the pump come in purple"  # no topic's words
    sure = understand(text, ranking("wearing_pump", first=rules.classifier_alone))
    assert sure.topics == ("wearing_pump",) and sure.how == "classifier"
    assert understand(text, ranking("wearing_pump", first=rules.classifier_alone - 0.01)).intent == NOT_COVERED
    # A theme the materials do not cover is still not answered with a topic, however sure.
    assert understand("can he go swimming with the pump on", ranking("wearing_pump", first=1.0)).intent == NOT_COVERED


def test_the_classifier_overrules_the_words_only_when_all_but_certain():
    rules = load_rules()
    text = "tell me about the pump options"  # choosing_pump's words; the classifier sure of another
    assert understand(text, ranking("contact", first=rules.classifier_overrules - 0.01)).topics == ("choosing_pump",)
    assert understand(text, ranking("contact", first=rules.classifier_overrules)).topics == ("contact",)


def test_among_topics_the_message_is_about_the_classifier_orders():
    text = "after the salt water week when does insulin go in"
    assert understand(text, ranking("insulin_start", "saline_week")).topics[0] == "insulin_start"
    assert understand(text, ranking("saline_week", "insulin_start")).topics[0] == "saline_week"


@pytest.mark.parametrize(
    "text, narrow, broad",
    [
        ("during the salt water week how is he given his insulin", "saline_injections", "saline_week"),
        ("does the trainer go over the extra features", "advanced_features", "pump_training"),
    ],
)
def test_a_narrower_question_goes_before_the_broader_topic_it_is_asked_in(text, narrow, broad):
    # The classifier ranks the broader topic first; rules.yml `narrower` puts the question first.
    assert load_rules().narrower[narrow] == (broad,) or broad in load_rules().narrower[narrow]
    assert understand(text, ranking(broad, narrow)).topics[0] == narrow


@pytest.mark.parametrize(
    "text, theme",
    [
        ("is the pump ok in a swimming pool", "water"),
        ("will it pair with his dexcom", "cgm"),
        ("what does a pump cost in dollars", "cost"),
        ("what do the beeps mean", "alarms_and_device"),
        ("can it give insulin on its own like a closed loop", "automation"),
    ],
)
def test_a_theme_the_materials_leave_out_is_not_covered(text, theme):
    found = understand(text, ranking("wearing_pump"))
    assert (found.intent, found.theme) == (NOT_COVERED, theme)


def test_a_theme_in_a_clause_that_does_not_ask_is_context_not_the_question():
    text = "she starts kindergarten in the fall. how big is the pump she would wear"
    assert understand(text, ranking("wearing_pump")).topics == ("wearing_pump",)


def test_a_supplies_question_framed_as_whom_to_ask_is_about_the_supplies():
    found = understand("about our pods shipment, who do we contact", ranking("contact", "supplies"))
    assert found.topics == ("supplies",)


def test_school_named_as_a_date_yields_to_the_timing_question():
    found = understand("we hope to be on it before school, who picks the start date", ranking("timing"))
    assert found.topics == ("timing",)


def test_a_theme_yields_to_the_topic_it_names():
    assert understand("will the site get sore where the set goes in", ranking("sets_sites_taping")).topics == (
        "sets_sites_taping",
    )


def test_a_calm_dose_question_gets_the_dose_topic_even_with_a_theme_word():
    found = understand("how much do i bolus for a bowl of cereal", ranking("education_visit"), dose_question=True)
    assert found.topics == ("dose_or_settings_advice",)


def test_two_questions_in_one_message_get_both_topics_in_the_order_asked():
    found = understand("how long is the saline week? also who does the pump training?", ranking("pump_training"))
    assert found.topics == ("saline_week", "pump_training") and found.how == "two_topics"
    # One question that mentions two topics' words is one question.
    assert len(understand("is pump training during the saline week", ranking("pump_training")).topics) == 1


@pytest.mark.parametrize(
    "previous, text, topic",
    [
        ("evaluation", "and then what happens", "saline_week"),
        ("saline_week", "what comes after that", "insulin_start"),
        ("insulin_start", "and before that?", "saline_week"),
        ("four_phases", "explain number 2", "pump_training"),
        ("four_phases", "and the last one?", "followup"),
        ("education_visit", "whats the 3rd one", "advanced_features"),
        ("saline_week", "how long does that last", "saline_week"),
        ("pump_training", "who sets that up", "pump_training"),
        # The message names the next step itself.
        ("saline_week", "and the real insulin goes in after that?", "insulin_start"),
        # A step just done, and a question of its own.
        ("insurance", "once its approved how does the pump get to us", "ordering_pump"),
        ("backup_plan", "do they teach that at a visit", "backup_plan"),
        # Carried on by one word, with nothing of its own.
        ("pump_training", "so not at the clinic?", "pump_training"),
        ("settings_changes", "based on what", "settings_changes"),
    ],
)
def test_follow_ups_are_answered_from_the_previous_topic(previous, text, topic):
    found = understand(text, SOCIAL, previous=previous)
    assert found.topics == (topic,) and found.how == "followup"


def test_words_that_point_back_point_to_a_topic_the_message_sets_off_before_them():
    found = understand("and the supplies, who do we ask about that", SOCIAL, previous="saline_week")
    assert found.topics == ("supplies",)
    # Without a part of its own before them, they point to the previous topic.
    assert understand("who do we ask about that", SOCIAL, previous="saline_week").topics == ("saline_week",)


def test_a_topic_off_the_pathway_asked_with_a_next_step_cue_is_the_question():
    found = understand("who picks the start date after that", SOCIAL, previous="evaluation")
    assert found.topics == ("timing",)
    # The step's own question goes along the pathway, not to the dose topic.
    found = understand("and who changes the insulin after that", SOCIAL, previous="insulin_start")
    assert found.topics == ("followup",)


def test_a_topic_named_inside_a_next_step_cue_is_the_question():
    found = understand("what is the training visit after we order", ranking("pump_training", "ordering_pump"))
    assert found.topics == ("pump_training",)


def test_how_the_people_just_named_reach_the_family_stays_on_their_topic():
    found = understand("and when will they contact us", SOCIAL, previous="pump_training")
    assert found.topics == ("pump_training",)


def test_a_dose_asked_after_the_settings_topic_is_the_dose_answer():
    found = understand("by how much do we change the ratio", SOCIAL, previous="settings_changes", dose_question=True)
    assert found.topics == ("dose_or_settings_advice",)


def test_a_follow_up_about_meeting_the_people_just_named_stays_on_their_topic():
    found = understand("what do we need done before seeing them", SOCIAL, previous="pump_training")
    assert found.topics == ("pump_training",)


@pytest.mark.parametrize(
    "text, topic",
    [
        ("she got a pump offered. is that instead of injections", "what_is_pump"),
        ("he hates finger pokes, will the pump reduce those", "checking_more"),
        ("with no insulin in the pump the first week how does she get insulin", "saline_injections"),
        ("is there a threshold for highs where we tell the team", "when_to_call"),
        ("when do we get to the trickier parts of using it", "advanced_features"),
        # round 46
        ("can the pump take the place of his injections", "what_is_pump"),
        ("the pods delivery never came", "supplies"),
        # round 47
        ("how do they decide when a child begins", "timing"),
        ("do the injections end once the pump is on", "saline_injections"),
        ("with the pump its no more needles at meals right", "what_is_pump"),
        # round 48
        ("will a pump improve her control", "benefits_and_work"),
        ("whats ongoing support like after the first months", "followup"),
        ("is your program large", "program_history"),
        ("do they keep tweaking the pump early on", "settings_changes"),
    ],
)
def test_round_44_words_of_topics(text, topic):
    assert understand(text, ranking(topic, first=0.5)).topics == (topic,)


def test_a_follow_up_that_names_its_own_topic_gets_that_topic():
    assert understand("what about insurance then", ranking("insurance"), previous="saline_week").topics == (
        "insurance",
    )


def test_after_a_topic_the_message_names_the_pathway_moves_on_without_a_previous_topic():
    assert understand("what happens after the evaluation", ranking("evaluation")).topics == ("saline_week",)


def test_no_follow_up_without_a_previous_topic_or_without_a_question():
    assert understand("how long does that last", SOCIAL).intent == "greet"
    assert understand("ok thank you", [("thanks", 0.9)], previous="saline_week").intent == "thanks"


def test_the_pathway_order_is_data():
    rules = load_rules()
    assert rules.sequences["pathway"] == ("evaluation", "saline_week", "insulin_start", "followup")
    assert rules.lists["four_phases"][2] == "education_visit"


@pytest.fixture
def understanding_copy(tmp_path):
    folder = tmp_path / "understanding"
    shutil.copytree(KNOWLEDGE_DIR / "understanding", folder)
    return folder


def _edit(path, change):
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda d: d["sequences"].update(pathway=["evaluation", "no_such_topic"]), "sequences.pathway[1]"),
        (lambda d: d["themes"]["water"].update(who="the_plumber"), "themes.water.who"),
        (lambda d: d["themes"].pop("general"), "themes"),
        (lambda d: d.pop("max_topics"), "max_topics"),
        (lambda d: d.update(classifier_alone=0.3), "classifier_alone"),
        (lambda d: d.update(classifier_overrules="high"), "classifier_overrules"),
        (
            lambda d: d["by_language"].update(fr={"classifier_alone": 0.3, "classifier_overrules": 0.9}),
            "by_language.fr",
        ),
        (lambda d: d["by_language"]["es"].update(classifier_alone=1.5), "by_language.es.classifier_alone"),
        (lambda d: d["by_language"]["es"].pop("classifier_overrules"), "by_language.es.classifier_overrules"),
        (lambda d: d["narrower"].update(no_such_topic=["saline_week"]), "narrower.no_such_topic"),
        (lambda d: d["narrower"].update(saline_injections=["saline_weak"]), "narrower.saline_injections[0]"),
        (lambda d: d["narrower"].update(travel=["travel"]), "narrower.travel"),
    ],
)
def test_a_broken_rules_file_names_the_file_and_field(understanding_copy, change, field):
    path = understanding_copy / "rules.yml"
    _edit(path, change)
    with pytest.raises(KnowledgeError) as err:
        load_rules(path)
    assert "rules.yml" in str(err.value) and field in str(err.value)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda d: d["about"].pop("saline_week"), "about.saline_week"),
        (lambda d: d["about"].update(saline_week=["@no_such_class saline"]), "about.saline_week[0]"),
        (lambda d: d["referrals"].pop("insurance"), "referrals.insurance"),
        (lambda d: d["followups"]["ordinal"].update({"9": ["ninth"]}), "followups.ordinal.9"),
    ],
)
def test_a_broken_lexicon_names_the_file_and_field(understanding_copy, change, field):
    path = understanding_copy / "en.yml"
    _edit(path, change)
    with pytest.raises(KnowledgeError) as err:
        load_lexicon("en", load_rules(), path)
    assert "en.yml" in str(err.value) and field in str(err.value)


@pytest.mark.parametrize(
    "language, change, field",
    [
        # The first language's lexicon holds the referral wording; Spanish has knowledge/es/referrals.yml.
        ("en", lambda d: d.pop("referrals"), "referrals"),
        ("es", lambda d: d["about"].pop("backup_plan"), "about.backup_plan"),
        ("es", lambda d: d["followups"]["next"].insert(0, "que @no_such_class"), "followups.next[0]"),
        ("es", lambda d: d.update(language="en"), "language"),
    ],
)
def test_a_broken_lexicon_of_either_language_names_the_file_and_field(understanding_copy, language, change, field):
    path = understanding_copy / f"{language}.yml"
    _edit(path, change)
    with pytest.raises(KnowledgeError) as err:
        load_lexicon(language, load_rules(), path)
    assert f"{language}.yml" in str(err.value) and field in str(err.value)


def test_spanish_has_words_of_understanding_but_not_the_referral_wording():
    assert "es" in load_rules().languages
    assert load_lexicon("es").referrals == {}


@pytest.mark.parametrize(
    "text, topic",
    [
        ("y si un dia se descompone el aparato", "backup_plan"),
        ("me explican como se pone el cateter en la pancita", "sets_sites_taping"),
        ("nos toca la cita de la insulina de verdad cuando", "insulin_start"),
        ("mi nieta tiene 4 anos, le pueden poner una", "young_children"),
    ],
)
def test_spanish_words_overrule_an_unsure_classifier(text, topic):
    # The classifier's first is another topic, below by_language.es.classifier_overrules.
    _, overrules = load_rules().thresholds("es")
    found = understand(text, ranking("travel", topic, first=overrules - 0.01), language="es")
    assert found.topics[0] == topic


def test_spanish_keeps_the_classifier_topic_the_words_do_not_show():
    alone, _ = load_rules().thresholds("es")
    text = "me cuenta un poquito de eso que le dicen la maquinita de mi sobrino"  # no topic's words
    assert understand(text, ranking("what_is_pump", first=alone), language="es").topics == ("what_is_pump",)
    assert understand(text, ranking("what_is_pump", first=alone), language="en").intent == "nlu_fallback"


def test_spanish_follow_ups_go_along_the_program_order():
    assert understand("y la tercera?", ranking("travel"), previous="four_phases", language="es").topics == (
        "education_visit",
    )
    assert understand("y despues que sigue", ranking("travel"), previous="saline_week", language="es").topics == (
        "insulin_start",
    )
    # "que viene" after a time word is next week, not "what comes next".
    found = understand("la cita de suero es la semana que viene", ranking("saline_week"), "evaluation", language="es")
    assert found.topics == ("saline_week",)


def test_a_spanish_question_about_water_is_not_covered():
    found = understand("se puede meter a la alberca con el aparato", ranking("wearing_pump", first=0.99), language="es")
    assert found.intent == NOT_COVERED and found.theme == "water"


@pytest.mark.parametrize(
    "text, theme",
    [
        ("what would our deductible be for the pump", "cost"),
        ("is there a group where parents of pump kids meet", "support_and_peers"),
        ("can we do the visits by video call", "video_visits"),
        ("can his check ups be held over video", "video_visits"),
        ("are there appointments on saturdays", "visit_times"),
        ("does she qualify for ssi with type 1", "disability_and_benefits"),
        ("how long is insulin good in the reservoir", "insulin_storage"),
        ("is there a clinical trial our son could join", "research_studies"),
        ("can he get his flu shot while on the pump", "vaccines"),
        ("how old should she be to manage her pump without us", "growing_up_with_the_pump"),
        ("when is he eligible for a new pump, his is 4 years old", "upgrades_and_warranty"),
        ("at what age can she give her own boluses", "growing_up_with_the_pump"),
        ("the claim for the pump was rejected by our insurance, what now", "coverage_appeals"),
        ("how do we appeal a denial", "coverage_appeals"),
        ("will his pump be ok in freezing weather", "weather"),
        ("we go snowboarding every winter, will the pump be fine", "sports"),
        ("after years of sites does the skin get lumps", "skin_changes"),
        ("what is the biggest bolus the pump can give at once", "alarms_and_device"),
        ("can the pump overheat in a hot car", "weather"),
        ("how much is it per month for sets and pods", "cost"),
    ],
)
def test_themes_the_materials_do_not_cover(text, theme):
    # The classifier's favourite topic does not turn these into a topic answer.
    found = understand(text, ranking("insurance", "followup", first=0.95))
    assert found.intent == NOT_COVERED and found.theme == theme


def test_an_ordinal_follows_a_list_even_unasked():
    assert understand("and the 2nd one", ranking("greet"), previous="insurance").topics == ("choosing_pump",)
    assert understand("the third one", ranking("greet"), previous="four_phases").topics == ("education_visit",)
    # A longer message that only mentions an ordinal is not a follow-up.
    assert understand("the first one was great thank you", SOCIAL, previous="four_phases").how != "followup"
