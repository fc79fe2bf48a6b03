"""The blind escalation batches: written by people who never saw the lexicons, rules or tests.

Their figures are recorded in tests/escalation/blind/README.md. These tests keep
them honest: no phrasing of a batch may be copied into the NLU training data or
the escalation lexicons, and what the bot got right it keeps getting right.
"""

import re
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.core.escalation import assess_turns
from tests.blind_phrasings import training_texts
from tools.eval import escalation_bot as e2e

BLIND = Path(__file__).parent / "blind"
BATCHES = sorted(BLIND.glob("*.yml"))
RANK = {"none": 0, "clinic": 1, "emergency": 2}
# Ordinary program questions a batch happens to share with training examples that
# were in data/nlu long before the batch was written (commit 87c65fd): coincidence, not copying.
IN_TRAINING_BEFORE = {
    "who is on the pump team",
    "what happens at the pump evaluation",
    "what happens at the second appointment",
    "what does the child development specialist do",
    "thank you",
    "what time does the clinic open",
    "meter says hi",
    "is there a dietitian on the team",
    "thank you so much",
    # batch G's writer (2026-12-04, blind) and data/nlu since commit 87c65fd or earlier: coincidence
    "how often are follow up visits",
    "how long does insurance approval take",
    # batch U's writer (2026-12-05, blind); in data/nlu/chitchat.yml since the first commits
    "thx",
    "thank u",  # batch W's writer (2026-12-05, blind); in data/nlu since 87c65fd
    "what should we bring to the education visit",  # batch X's writer (2026-12-05, blind); data/nlu since 9225f7f
    # batch Y's writer (2026-12-05, blind); escalation examples in data/nlu since 87c65fd
    "my daughter is having a seizure",
    "my son is unconscious",
    "good morning",
    "who do i call about supplies",
    "how big is the pump",  # batch I's writer (blind, 2026-12-04)
    "who trains us on the pump",  # batch K's writer (blind, 2026-12-05); in data/nlu since 87c65fd
    "what is the backup plan if the pump fails",  # batch K's writer; in data/nlu since 87c65fd
    "will the educator go over sick days",  # batch O's writer (blind, 2026-12-05); in data/nlu since 9225f7f
    "how do i reorder pump supplies",  # batch Q's writer (blind, 2026-12-05); in data/nlu since 87c65fd
    "meter reads lo",  # batch T's writer (blind, 2026-12-05); in data/nlu since 87c65fd
    "cant wake her up",  # batch AB's writer (blind, 2026-12-05); in data/nlu/escalation.yml since 87c65fd
    "what is the adjustment period",  # batch AB's writer (blind, 2026-12-05); in data/nlu since 87c65fd
    "hey",  # batch AC's writer (blind, 2026-12-05); in data/nlu/chitchat.yml since 87c65fd
    "he is unresponsive",  # batch AF's writer (blind, 2026-12-05); in data/nlu since 87c65fd
}
# Everyday questions a batch shares with a lexicon pattern older than the batch: coincidence.
IN_LEXICON_BEFORE = {
    "what should we do",  # batch K (2026-12-05); "what should @we do then" in en.yml since 118a375
    "she s awake now",  # batch U (2026-12-05); in a rules.yml comment since 9225f7f
    "we had to give glucagon",  # batch Z (2026-12-05); in a rules.yml comment since 1ea32e0
    "had to give glucagon",  # batch AO (2026-12-05); in the same rules.yml comment
}
# Issue 13 (item 4) changed the policy the batches were written under: a question
# about doses or settings with no reading, sign or request to act now gets the calm
# answer (the team sets doses; how to reach them), not "call now". These clinic
# labels are read as "none, with the dose answer" (blind/README.md lists them).
POLICY_CALM = {
    "how many units should i give for a 60 carb dinner, his ratio confuses me",
    "how much should i bolus him for 65g carbs",
    "what should her carb ratio be at breakfast, she's 9",
    "how many units do I bolus for 60g carbs if the ratio is 1:15",
    "should i lower his basal rate before the tournament saturday",
    "can i change her correction factor to 40 myself",
    "can we set a temp basal of 50% for the sleepover",
    "what should i set his target to, 120 or 150?",
    "how much should i reduce her bolus before swim practice",
    "how many units do i give for 60g carbs, cant remember her ratio",
}
# What the detector alone may still get wrong on a batch it was tuned on, each
# listed with why in blind/README.md: (concerns missed, benign messages escalated).
KNOWN_WRONG = {
    "batch_earlier.yml": (0, 0),
    "batch_a.yml": (0, 1),
    "batch_b.yml": (0, 0),
    "batch_c.yml": (0, 0),
    "batch_d.yml": (0, 0),
    "batch_e.yml": (1, 0),
    "batch_f.yml": (0, 0),
    "batch_g.yml": (0, 0),
    "batch_h.yml": (0, 0),
    "batch_i.yml": (0, 0),
    "batch_j.yml": (0, 0),
    "batch_k.yml": (0, 0),
    "batch_l.yml": (0, 0),
    "batch_m.yml": (0, 0),
    "batch_n.yml": (0, 0),
    "batch_o.yml": (0, 0),
    "batch_p.yml": (0, 0),
    "batch_q.yml": (0, 0),
    "batch_r.yml": (0, 2),
    "batch_s.yml": (0, 0),
    "batch_t.yml": (0, 0),
    "batch_u.yml": (0, 0),
    "batch_v.yml": (0, 1),
    "batch_w.yml": (0, 0),
    "batch_x.yml": (0, 0),
    "batch_y.yml": (0, 0),
    "batch_z.yml": (0, 1),
    "batch_aa.yml": (0, 1),
    "batch_ab.yml": (0, 0),
    "batch_ac.yml": (0, 0),
    "batch_ad.yml": (0, 0),
    "batch_ae.yml": (0, 0),
    "batch_af.yml": (0, 0),
    "batch_ag.yml": (0, 0),
    "batch_ah.yml": (0, 1),
    "batch_ai.yml": (0, 0),
    "batch_aj.yml": (0, 0),
    "batch_ak.yml": (0, 0),
    "batch_al.yml": (0, 0),
    "batch_am.yml": (0, 0),
    "batch_an.yml": (0, 0),
    "batch_ao.yml": (0, 0),
    "batch_ap.yml": (0, 0),
    "batch_aq.yml": (0, 0),
    "batch_ar.yml": (0, 0),
    "batch_as.yml": (0, 0),
    "batch_at.yml": (0, 1),  # "what should we do if | ... someday": the cue turn too long, "someday" no cue (left)
    "batch_au.yml": (1, 0),  # "so i think i bolused twice | for the same breakfast": a bare continuation (left)
    "batch_av.yml": (0, 0),
}


# Conversations whose last turn continues a concern the turn before was already answered
# at the expected level (an answered concern is not repeated): the family had the reply.
ANSWERED_ON_AN_EARLIER_TURN = {
    "so he's been puking | no ketones tho, bg 150",
    "ketone strip | small",
    "kids pod just fell off | sugar 240 right now",
    "checked ketones bc he felt off | moderate",
    "we did a double bolus by mistake | hes 140 now, no symptoms",
    "he threw up after dinner | sugar is 210 didnt check ketones yet",
    "we gave the glucagon | about ten minutes ago, she's starting to wake up now",
    "checked ketones | small",
    "checked ketones like u said | moderate",
    "i think i bolused twice | for breakfast, hes ok right now",
    "she threw up | sugar is 210",
    "pod fell off | at recess",
    "ketone strip says | small",
    "my daughter threw up | sugar is 190 no ketones",
    "pod came off | at soccer",
    "hes been throwing up | sugar 210 ketones negative",
    "ketones | small on the strip, sugar 240",
    "she threw up at school | sugar was fine tho 130",
    "checked ketones | small, and shes 240",
    "so he threw up after lunch | sugar 210",
    "is 280 bad | thats what hes at right now",
    "she threw up | no ketones but sugar 150",
}


def _cases(path):
    cases = e2e.load_cases(path)
    for c in cases:
        if c["level"] == "clinic" and " | ".join(c["turns"]) in POLICY_CALM:
            c["level"], c["calm_dose"] = "none", True
    return cases


def test_every_policy_change_names_a_batch_case():
    found = {" | ".join(c["turns"]) for p in BATCHES for c in _cases(p) if c.get("calm_dose")}
    assert found == POLICY_CALM


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def test_there_are_blind_batches():
    assert {p.name for p in BATCHES} >= {"batch_a.yml", "batch_earlier.yml"}


@pytest.mark.parametrize("path", BATCHES, ids=lambda p: p.name)
def test_batch_shape(path):
    cases = _cases(path)
    counts = {level: sum(c["level"] == level for c in cases) for level in RANK}
    assert counts["emergency"] >= 40 and counts["clinic"] >= 60 and counts["none"] >= 50, counts
    for c in cases:
        assert c["level"] in RANK and c["turns"] and all(isinstance(t, str) and t.strip() for t in c["turns"])


@pytest.mark.parametrize("path", BATCHES, ids=lambda p: p.name)
def test_no_blind_phrasing_is_in_the_training_data_or_the_lexicons(path):
    training = training_texts(_norm)
    lexicons = "\n".join(
        _norm(p.read_text(encoding="utf-8")) for p in (PROJECT_ROOT / "knowledge" / "escalation").glob("*.yml")
    )
    for c in _cases(path):
        for turn in c["turns"]:
            text = _norm(turn)
            assert text not in training or text in IN_TRAINING_BEFORE, f"{path.name}: {turn!r} is in data/nlu"
            if len(text.split()) >= 4 and text not in IN_LEXICON_BEFORE:  # a short turn ("45") may well be in a pattern
                assert text not in lexicons, f"{path.name}: {turn!r} is in knowledge/escalation"


@pytest.mark.parametrize("path", [p for p in BATCHES if p.name in KNOWN_WRONG], ids=lambda p: p.name)
def test_the_detector_keeps_what_it_learned_from_a_batch(path):
    """Batches used for tuning: the detector alone gets every concern, at most the recorded false alarms."""
    missed, over = [], []
    for c in _cases(path):
        turns = c["turns"]
        found = assess_turns(turns[-1], turns[:-1])
        got = found.level
        if " | ".join(turns) in ANSWERED_ON_AN_EARLIER_TURN:
            first = assess_turns(turns[-2], turns[:-2]).level
            assert first == c["level"], turns  # the family was told at the turn before
            got = first
        if c.get("calm_dose"):
            assert "dose_question" in found.signals, c["turns"]  # so the understanding answers about doses
        if c["level"] == "emergency" and got != "emergency" or c["level"] == "clinic" and got == "none":
            missed.append((c["level"], c["turns"]))
        elif c["level"] == "none" and got != "none":
            over.append(c["turns"])
    most_missed, most_over = KNOWN_WRONG[path.name]
    assert not [turns for level, turns in missed if level == "emergency"], "an emergency is never missed"
    assert len(missed) <= most_missed, missed
    assert len(over) <= most_over, over


@pytest.fixture(scope="module")
def e2e_outcomes():
    """Every batch through the trained bot in one process (NLU, turns, no action server)."""
    import asyncio

    cases = {p.name: _cases(p) for p in BATCHES if p.name in KNOWN_WRONG}
    flat = [c for name in cases for c in cases[name]]
    outcome = asyncio.run(e2e._run(flat, None))
    got, out = iter(outcome.got), {}
    for name, batch in cases.items():
        out[name] = e2e.Outcome(batch, [next(got) for _ in batch])
    return out


@pytest.mark.parametrize("name", sorted(KNOWN_WRONG))
def test_the_trained_bot_keeps_what_it_learned_from_a_batch(e2e_outcomes, name):
    result = e2e_outcomes[name]
    # Told at the turn before (checked by the detector test above), so not counted here.
    missed = [m for m in result.misses() if m[0] != "none" and " | ".join(m[2]) not in ANSWERED_ON_AN_EARLIER_TURN]
    over = [m for m in result.misses() if m[0] == "none"]
    most_missed, most_over = KNOWN_WRONG[name]
    assert not [m for m in missed if m[0] == "emergency"], missed
    assert len(missed) <= most_missed, missed
    assert len(over) <= most_over, over
