"""The blind Spanish sets: written by helpers who never saw data/, knowledge/ or tests/.

Their figures (first run, before and after tuning, every miss) are in
blind/README.md. These tests keep them honest: no phrasing of a set may enter the
NLU training data or the lexicons, and the trained bot keeps at least the figures
it reached.
"""

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from bot import PROJECT_ROOT
from bot.core.escalation.rules import RANK
from bot.core.text.normalise import fold
from bot.core.understanding import load_rules
from tests.blind_phrasings import training_texts
from tools.eval import language_set as evaluation

BLIND = Path(__file__).parent / "blind"
SETS = sorted(BLIND.glob("es_set*.yml"))
# Short everyday phrases a set shares with Spanish training examples that were written
# at the same time by another helper who never saw the set: coincidence, not copying.
# SHA-256 of the normalised text, so nobody tuning reads a phrasing of a set still to be run.
COINCIDENCES = {
    # set 44 (written 2026-12-05 by a helper who never saw data/): in data/nlu/es since 4ecc8a3, 2026-12-04
    "a4de26286ce892949aa4f4c7f1afca296ef501ec69ab01af577c284d049eb88c",
    # set 40 (written 2026-12-05 by a helper who never saw data/): in data/nlu/es since 4ecc8a3, 2026-12-04
    "0e33a7a86bea9062a408ec0a9f18224bb393238155da2c15e30d577e2402585e",
    "9c48321368dd95c79bbabfa7043a2bf2cc44bcee49e202987a0c384fc1ca1add",
    # set 34 (written 2026-12-05 by a helper who never saw data/): in data/nlu/es since 4ecc8a3, 2026-12-04
    "a033e596fce1ddddf79dc3793bae9a90598b5fc005c6399101f1c40891a7133f",
    # set 29 (written 2026-12-05 by a helper who never saw data/): in data/nlu/es since 4ecc8a3, 2026-12-04
    "628b6125be34ae8cd5651e8be1757cb7943e4887f1073e967d7d566855ce8211",
    "2a84cc8888bdfd27447998d734e3268618fe93e657fd6bfd9f6dd281808be597",
    # set 28 (written 2026-12-05 by a helper who never saw data/): in data/nlu/es since 4ecc8a3, 2026-12-04
    "eff4677e5ceea92270b6609e3fd1bfb77527bb77ae9d1afa4a4bdbed472e2d3e",
    # set 27 (written 2026-12-05 by a helper who never saw data/): in data/nlu/es since 4ecc8a3, 2026-12-04
    "dbec8269d6bf40627c2b7446cb76af48204a25d60d9ed7fbe81ef25d59fdc14c",
    # set 26 (written 2026-12-05 by a helper who never saw data/): in data/nlu/es since 4ecc8a3, 2026-12-04
    "ebc8d11a4663254db3ebbedd7f745f7a75241a03f29aaef54bdf4ec17b11079a",
    # set 22 (written 2026-12-05 by a helper who never saw data/): in data/nlu/es since 4ecc8a3, 2026-12-04
    "3f8852329b04047a5b9593853bc9721311cea0c090c07865fe1aad5f8de047c2",
    # set 20 (written 2026-12-05 by a helper who never saw data/): in data/nlu/es since 4ecc8a3, 2026-12-04
    "beaa05cac86b2483fb321d33a70cd0c1d5148191965b76fb296fdb20aac7d3b2",
    # set 18 (written 2026-12-05 by a helper who never saw data/): in data/nlu/es since the first Spanish examples
    "576a0b79ac5772f75a9028f35e1ee0b02d496a44229d9b4b9db0003367083957",
    # set 17 (written 2026-12-05 by a helper who never saw data/): in data/nlu/es since 4ecc8a3, 2026-12-04
    "4a8d1e37409148ea4f9aa83204d9f76da66def7d56530cc3e4616a8c9f3a1c78",
    "e2fc917d7ba67f1bd0f08d82ca356b2ae3b936a2d0086e6fa37ed43a652d9a63",
    "0de6a7102ec576a2a47282a55fa30ed554ebcc63ded2aedae67f6d9696073328",
    # sets 2, 3 and 4: in data/nlu/es as first written, before any of them was opened
    "3a1d4eaf474e68bdd8ad26d9f623bf128a60198457c1809e37f1ccd7a47341f9",
    "c71bc4c705eab6c243f0c2720b83f2053a3b4e28f563d157ec5792fc35350020",
    "56746532415b3799502d15704c2999f0cb8c36ea43949386073b3439004aeac4",
    "1da6789e8b8852d71ad12a56cd70ab26974559c624fd6168c6da1043c74a32df",
    "b221d9dbb083a7f33428d7c2a3c3198ae925614d70210e28716ccaa7cd4ddb79",
    "f9e7a87c8d236fed83a78ce640a93276c2ba8bf012320dd7bb314af42cfc9aee",
    "c11a7db74dcba81e3f600cbf7519995c28740d93e06fc8b4ade1f9e109550cf6",
    "a27f1c75b6dacdd5e4f317ef1b86fb0245388596d7c22622c48eee24bbea17e3",
    "2f0744ccbb926f58a0fe71d08f94578ede248eefb1114c6b28ee3be2fe0dccd5",
    # sets 5 and 6 (written 2026-12-04 by helpers who never saw data/; data/nlu/es unchanged that day)
    "daa4bb439570c9d63f97328f319859789a9961c6919bf5764dda1472af90620f",
    "0b52a6153faaed74cfb61709ae39369cc1ca030d5dedeb0691aa07f4f4af6ade",
    "76a16ae0b3b6199c4f4fe9002e6c21a91d4fd5f51c3dba4d1bd29e6d91873a89",
    "f6aa0b16ae606ca04b54c0cf9c2de73827c4fe84426c9e5e4d9479702b2d67f3",
    "199593aae50f2af21e939a13be248efe975c3812283212ae048d46e10998bf39",
    # set 8 (written 2026-12-05 by a helper who never saw data/; the example is in data/nlu/es since 4ecc8a3)
    "203f74c5de6b62d34f4cb3d6ff8dc1a0cde39c75f34cc556cac7983cbd9a79d1",
    # set 9 (written 2026-12-05 by a helper who never saw data/; the example is in data/nlu/es since 4ecc8a3)
    "785e325fc83b1aab87cb75ebe39916165013fe8097e66107b00fbd25e2b8f6df",
    "c5daeee69b44ed0a38f9e584d1995f47b802f6520ad8787464731c7fc73f712f",
    "2c727c654b8485c92791da7eb3a7b418fd16b62fdec2187e9f63f4e265c007fc",  # set 10, in data/nlu/es since 4ecc8a3
    "2a6f6051d3c1fd1c9ba42b9a1c1acfc303a001f8b5a32264138abc680e592bf8",  # set 12, in data/nlu/es since 4ecc8a3
    "ceeceb02774624f44abec51faa4cda7482d4268342403ffe4d4701d923cb1cae",  # set 12, in data/nlu/es since 4ecc8a3
}
# The figures of blind/README.md: right answers, recalls and false alarms as counts (a floor, not a target).
FLOORS = {
    # Topical raised on every set by round 28 (the Spanish words of understanding, knowledge/understanding/es.yml):
    # 3,012 of 3,109 right over sets 1-25, was 2,905 (blind/README.md; these sets were seen while tuning).
    # es_set19 119 since round 30 (one question about the visit covering the backup plan now gets the backup
    # plan: the classifier orders the two topics its words show); the other sets kept or raised theirs.
    # es_set1 topical 116 since the family-wording examples (data/nlu/es/family_wording.yml; was 119): they
    # moved three set-1 questions and gained 8, 6, 1, 2 and 2 on sets 2, 4, 5, 6 and 8 (blind/README.md).
    "es_set1.yml": {"topical": 122, "emergency": 38, "clinic": 39, "false_alarms": 0, "in_spanish": 79},
    "es_set2.yml": {"topical": 133, "emergency": 40, "clinic": 41, "false_alarms": 0, "in_spanish": 84},
    "es_set3.yml": {"topical": 125, "emergency": 39, "clinic": 40, "false_alarms": 0, "in_spanish": 81},
    "es_set4.yml": {"topical": 110, "emergency": 33, "clinic": 34, "false_alarms": 0, "in_spanish": 69},
    "es_set5.yml": {"topical": 122, "emergency": 39, "clinic": 40, "false_alarms": 1, "in_spanish": 83},
    "es_set6.yml": {"topical": 117, "emergency": 41, "clinic": 42, "false_alarms": 1, "in_spanish": 84},
    "es_set7.yml": {"topical": 124, "emergency": 42, "clinic": 43, "false_alarms": 0, "in_spanish": 85},
    # es_set8 topical 118 since round 21's Spanish examples (data/nlu/es/neighbours.yml; was 119): they
    # moved one set-8 question to the fallback and gained 41 right answers over sets 1-18 (blind/README.md).
    "es_set8.yml": {"topical": 122, "emergency": 40, "clinic": 41, "false_alarms": 0, "in_spanish": 81},
    # es_set9 topical 112 and es_set19 113 since round 22's Spanish examples (was 113 and 115): sets 1-19
    # gained 12 right answers in total (blind/README.md).
    "es_set9.yml": {"topical": 115, "emergency": 38, "clinic": 38, "false_alarms": 0, "in_spanish": 76},
    "es_set10.yml": {"topical": 116, "emergency": 38, "clinic": 38, "false_alarms": 0, "in_spanish": 76},
    "es_set11.yml": {"topical": 116, "emergency": 38, "clinic": 39, "false_alarms": 0, "in_spanish": 77},
    "es_set12.yml": {"topical": 117, "emergency": 38, "clinic": 38, "false_alarms": 0, "in_spanish": 76},
    "es_set13.yml": {"topical": 110, "emergency": 40, "clinic": 41, "false_alarms": 0, "in_spanish": 81},
    "es_set14.yml": {"topical": 117, "emergency": 39, "clinic": 40, "false_alarms": 0, "in_spanish": 79},
    "es_set15.yml": {"topical": 121, "emergency": 38, "clinic": 38, "false_alarms": 0, "in_spanish": 76},
    "es_set16.yml": {"topical": 116, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 80},
    "es_set17.yml": {"topical": 130, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 80},
    "es_set18.yml": {"topical": 125, "emergency": 40, "clinic": 40, "false_alarms": 1, "in_spanish": 81},
    "es_set19.yml": {"topical": 119, "emergency": 40, "clinic": 42, "false_alarms": 0, "in_spanish": 82},
    "es_set20.yml": {"topical": 128, "emergency": 41, "clinic": 41, "false_alarms": 0, "in_spanish": 82},
    "es_set21.yml": {"topical": 121, "emergency": 41, "clinic": 41, "false_alarms": 0, "in_spanish": 81},
    "es_set22.yml": {"topical": 120, "emergency": 41, "clinic": 41, "false_alarms": 0, "in_spanish": 82},
    "es_set23.yml": {"topical": 122, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 80},
    "es_set24.yml": {"topical": 120, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 80},
    "es_set25.yml": {"topical": 123, "emergency": 41, "clinic": 42, "false_alarms": 0, "in_spanish": 83},
    # es_set26 (sealed, run once after round 28): its figures after round 29; the misses left are the brief's
    # policy (vomiting with a high sugar at 911, a sick child with an in-range sugar at the clinic), one English
    # message answered in English, and two topical (blind/README.md).
    "es_set26.yml": {"topical": 115, "emergency": 38, "clinic": 37, "false_alarms": 0, "in_spanish": 75},
    # es_set27 (sealed, run once after round 29: 123, 38, 35, 0, 74): its figures after round 30; left: the brief's
    # policy (vomiting with a high sugar, a sick child), one Spanglish question read as English.
    "es_set27.yml": {"topical": 124, "emergency": 38, "clinic": 36, "false_alarms": 0, "in_spanish": 75},
    # es_set28 (sealed, run once after round 30: 112, 37, 37, 1, 76): its figures after round 31; left: the brief's
    # policy (vomiting with a high sugar, a sick child), "sugar 69" answered in English, three topical.
    "es_set28.yml": {"topical": 112, "emergency": 37, "clinic": 37, "false_alarms": 0, "in_spanish": 75},
    # es_set29 (sealed, run once after round 31: 122, 36, 38, 2, 79): its figures after round 32; left: the old
    # brief's policy (vomiting with a high sugar, a sick child without a reading), two topical.
    "es_set29.yml": {"topical": 122, "emergency": 38, "clinic": 38, "false_alarms": 0, "in_spanish": 78},
    # es_set30 (sealed, run once after round 32, the first written with the brief stating the program's rules:
    # 117, 40, 39, 1, 79): its figures after round 33.
    "es_set30.yml": {"topical": 117, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 79},
    # es_set31 (sealed, run once after round 33: 120, 40, 38, 1, 79): its figures after round 34.
    "es_set31.yml": {"topical": 120, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 80},
    # es_set32 (sealed, run once after round 35: 119, 40, 40, 1, 81, every target of the issue met): its figures
    # after round 36.
    "es_set32.yml": {"topical": 119, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 80},
    # es_set33 (sealed, run once after round 36: 123, 41, 41, 0, 82, every target met): nothing tuned on it.
    "es_set33.yml": {"topical": 123, "emergency": 41, "clinic": 41, "false_alarms": 0, "in_spanish": 82},
    # es_set34 (sealed, run once after round 37: 113, 41, 40, 0, 81): its figures after round 38.
    "es_set34.yml": {"topical": 113, "emergency": 41, "clinic": 41, "false_alarms": 0, "in_spanish": 82},
    # es_set35 (sealed, run once after round 38: 122, 39, 39, 0, 78): its figures after round 39.
    "es_set35.yml": {"topical": 122, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 80},
    # es_set36 (sealed, run once after round 39, the last fresh set: 120, 40, 39, 0, 79): its figures after round 40.
    "es_set36.yml": {"topical": 120, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 80},
    # es_set37 (sealed, run once after round 40: 118, 41, 42, 0, 82): one escalation reply in English, to a
    # message led by English; since round 43 a message with words of both languages gets both (83).
    "es_set37.yml": {"topical": 118, "emergency": 41, "clinic": 42, "false_alarms": 0, "in_spanish": 83},
    # es_set38 (sealed, run once after round 42: 123, 40, 40, 0, 79): its figures after round 43.
    "es_set38.yml": {"topical": 123, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 80},
    # es_set39 (sealed, run once after round 44: 119, 40, 39, 0, 79): its figures after round 45.
    "es_set39.yml": {"topical": 119, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 80},
    # es_set40 (sealed, run once after round 46: 119, 39, 40, 2, 82): its figures after round 47.
    "es_set40.yml": {"topical": 120, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 80},
    # es_set41 (sealed, run once after round 47: 120, 37, 37, 1, 76): its figures after round 48; the false alarm
    # left is a seizure asked about with an unaccented "si" (it may be "sí"; where in doubt, escalate).
    "es_set41.yml": {"topical": 122, "emergency": 38, "clinic": 38, "false_alarms": 1, "in_spanish": 77},
    # es_set42 (sealed, run once after round 48, every target of the issue met: 113, 38, 38, 0, 76): nothing tuned.
    "es_set42.yml": {"topical": 113, "emergency": 38, "clinic": 38, "false_alarms": 0, "in_spanish": 76},
    # es_set43 (sealed, run once after round 49, every target of the issue met: 121, 40, 40, 1, 81): after round 50.
    "es_set43.yml": {"topical": 121, "emergency": 40, "clinic": 40, "false_alarms": 0, "in_spanish": 80},
    # es_set44 (sealed, run once after round 50: 114, 40, 40, 0, 80): its figures after round 51.
    "es_set44.yml": {"topical": 114, "emergency": 40, "clinic": 41, "false_alarms": 0, "in_spanish": 81},
    # es_set45 (sealed, run once after round 51: 107, 37, 37, 0, 74): its figures after round 52.
    "es_set45.yml": {"topical": 107, "emergency": 38, "clinic": 38, "false_alarms": 0, "in_spanish": 76},
    # es_set46 (sealed, run once after round 52: 112, 37, 35, 0, 72): its figures after round 53.
    "es_set46.yml": {"topical": 112, "emergency": 37, "clinic": 37, "false_alarms": 0, "in_spanish": 74},
}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()


def _load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_there_are_blind_sets():
    assert {p.name for p in SETS} >= {"es_set1.yml"}


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_set_shape_and_labels(path):
    data = _load(path)
    topics = set(load_rules().topics)
    assert len(data["topical"]) >= 100
    for item in data["topical"]:
        assert {item["topic"], *(item.get("also_ok") or [])} <= topics, item
    levels = [c["level"] for c in data["escalation"]]
    assert set(levels) <= set(RANK)
    assert levels.count("emergency") + levels.count("clinic") >= 60 and levels.count("none") >= 30


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_no_blind_phrasing_is_in_the_training_data_or_the_lexicons(path):
    data = _load(path)
    training = training_texts(_norm)
    lexicons = "\n".join(
        _norm(p.read_text(encoding="utf-8"))
        for folder in ("escalation", "understanding")
        for p in (PROJECT_ROOT / "knowledge" / folder).glob("*.yml")
    ) + _norm((PROJECT_ROOT / "knowledge" / "language.yml").read_text(encoding="utf-8"))
    for item in data["topical"] + data["escalation"]:
        norm = _norm(item["text"])
        coincidence = hashlib.sha256(norm.encode()).hexdigest() in COINCIDENCES
        assert norm not in training or coincidence, f"{path.name}: {item['text']!r} is in data/nlu"
        if len(norm.split()) >= 4:
            assert norm not in lexicons, f"{path.name}: {item['text']!r} is in knowledge/"


@pytest.fixture(scope="module")
def language_outcomes():
    return {name: evaluation.evaluate(BLIND / name, "es") for name in FLOORS}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_trained_bot_keeps_its_figures_on_a_set(language_outcomes, name):
    result, floors = language_outcomes[name], FLOORS[name]
    misses = "\n".join(result.misses())
    assert result.topical_right() >= floors["topical"], misses
    assert result.recall("emergency")[0] >= floors["emergency"], misses
    assert result.recall("clinic")[0] >= floors["clinic"], misses
    assert result.false_alarms()[0] <= floors["false_alarms"], misses
    assert result.escalation_replies_in_language()[0] >= floors["in_spanish"], misses
