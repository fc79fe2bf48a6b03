"""The blind understanding sets: written by helpers who never saw data/, knowledge/ or tests/.

Their figures (first run, before and after tuning, every miss) are in
blind/README.md. These tests keep them honest: no phrasing of a set may enter the
NLU training data or the understanding lexicons, and the trained bot keeps at
least the figures it reached.
"""

import hashlib
import re
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.core.understanding import load_rules
from tests.blind_phrasings import training_texts
from tools.eval import understanding as evaluation

BLIND = Path(__file__).parent / "blind"
SETS = sorted(BLIND.glob("set*.yml"))
SIZES = {"topical": 75, "not_covered": 20, "conversations": 15}
# Common questions a set happens to share with training examples that were in
# data/nlu before the set was written (unchanged since): coincidence, not copying.
# Kept as SHA-256 of the normalised text, so nobody tuning reads a phrasing of a set
# still to be run.
IN_TRAINING_BEFORE = {
    # set 22 (written 2026-12-05 by a helper who never saw data/; in data/nlu since 87c65fd, 2026-11-22)
    "8f6e578a3aaeaa8793c71a72675c41fcab130ebca8e8e4c0196f0dd629348c97",
    # set 21 (written 2026-12-05 by a helper who never saw data/; each in data/nlu since 87c65fd, 2026-11-22)
    "b67170a089641668d0d7dae63849912bf3eabf87c5df50d54ec8248e3dc42540",
    "09a68992b53c7be1797b7fd5a34fc0a45d380d16c92cedfc35e492bbd6289178",
    "cbfa4d8ce7ed188bfb9aa6cc042b32a665fb3749e23e65e7b3239f2453edf3b6",
    # set 20 (written 2026-12-05 by a helper who never saw data/; in data/nlu since 87c65fd, 2026-11-22)
    "8a51eb5d578fbdba946940a080ed4dc4e287c8b89d541034abf06d8db8b9b522",
    # set 11 (written 2026-12-05 by a helper who never saw data/; each in data/nlu since 87c65fd, 2026-11-22)
    "0659b30473ed3e70c7fec0dd2ae24f6e04822beca0eb0f6dd999c4e097c16981",
    "a735ed5f8d12555ab02790879c0dbca90ea36ecf0cd233718f8f98833d54be1c",
    "4b31b6eff64337715be1cde1e8156cdeef11a640541a0a39ba8cbe1bce66c07a",
    "782287b9e1d5ff6062928ea75ef41a9dbef79faa905be99509d9b4ae313aa700",
    # set 14 (written 2026-12-05 by a helper who never saw data/; in data/nlu since 9225f7f)
    "886445358c56db717857aeb1ad11cf2cc12e34f673e853738f42a6fc9d8e3483",
    # set 19 (written 2026-12-05 by a helper who never saw data/; in data/nlu since 87c65fd)
    "ef56d3235b9b78254ca4bc3e5f39b88b98f4ca9f40340c27d95a47d158121a9f",
    # set 18 (written 2026-12-05 by a helper who never saw data/; in data/nlu since 87c65fd and 52a6fd8)
    "312eea31699ff78fcb8885846c15fa2a363615d848b360d0ab5e6c8bb1af6615",
    "0f884bc82ab55e3c55c69708bc875b99a7d3539a1ba5464714b27cbb02d4841d",
    # set 17 (written 2026-12-05 by a helper who never saw data/; in data/nlu since 87c65fd or 9225f7f)
    "1a14f952e6696875d19bf1680f05495a3ec51ce165172c7c350d8361e6a506fb",
    "cabe7f5e27cba25ab9b51d5d23a43f537e52ec2550d0a48b3391d1b6024fb83d",
    "cb644d174a0cf26641bb5af56611cfc6f3cdda05b798a72a1dcbcf2d2a29b5db",
    "0594a52e872344feee502eda7bfd554c8273d8001c3c4306d93f7257068078f2",
    # set 16 (written 2026-12-05 by a helper who never saw data/; in data/nlu since 87c65fd)
    "82f718f28ccd1212c41990f2be61c5d4430bb146625cdcaea78834593b023cb9",
    "dd733723de28e31a722a4abd3fd37e893f9aafb440d83511265146099efb1bd6",
    "da857f5ac149c675e260a7bbcc675d44c788bf5c7c672451e99d7cc80e2e8ad7",
    "414d072ab71c56e3085cb360274ac51c8b0d4becc27a9a393e8541af69d8e0ab",
    # set 15 (written 2026-12-05 by a helper who never saw data/; in data/nlu since 87c65fd, 2026-11-22)
    "69e7df7754b7b608374a809320513b134a9334a1f21e5704a9bf51f75afd8c60",
    "b3969cdc81f01880201c5e111d67dc6c741087774d9d251208c3f84da2eebf79",
    # set 13 (written 2026-12-05 by a helper who never saw data/; in data/nlu since 87c65fd and 52a6fd8, 2026-11-22)
    "67c3e6ebbd56fe6c0ad4bb9a1cec778747a3bad8fcd8e26f67633fe7e4757c71",
    "eec1509ad6f19b3df5d84ad86c6faf9b9160cf8b7c5cce2ba2e463b5de4f7a98",
    # set 12 (written 2026-12-05 by a helper who never saw data/; in data/nlu since 87c65fd and 52a6fd8, 2026-11-22)
    "171026dfa1b10a63468fcd7419442b1b6137ffd83d0a15bb13f5f209e784d57c",
    "70615447b9b6bcf73eaa13dd996f7d5da86c754bc77968c276ba5fb177e72b91",
    # set 10 (written 2026-12-05 by a helper who never saw data/; in data/nlu since 87c65fd and 9225f7f)
    "bd8968702f2e5816109796eeca564734396baaca97f2064bfbe06952ffc7e4b9",
    "1a368f670468a02d3b9ce6d288fbc5c34e96c6fef3c5998eaffd76d19e5c9069",
    "f78a8a82526e1638730ec44c61bdd6a68c8f96a2b7d114c2b08554b1b3a6e720",
    # set 9 (written 2026-12-05 by a helper who never saw data/; all three in data/nlu since 87c65fd, 2026-11-22)
    "ad3bd089ee94ec787717f1408bfd5e87268e5c6e073998159046b0ec92689661",
    "7792ad6621c2b3c011b274b2389f1e9dba49099f0d6ef0d8b38cc657642d4c43",
    "c06bcc315b2b17e7de2b901f7e8e881b6acdb6759d864544391a4aa80f8afdef",
    hashlib.sha256(b"what if the pump breaks").hexdigest(),
    hashlib.sha256(b"what happens at the second pump appointment").hexdigest(),
    hashlib.sha256(b"who trains us on the pump").hexdigest(),
    hashlib.sha256(b"when does insulin go in the pump").hexdigest(),
    # set 2 (checked when it arrived: data/nlu had not changed since the sets' briefs)
    "33e5e1d941703a6b583c685248e35bc4db1d0c964013053d5cc70d5bae900153",
    "43b212eba316a239b57df7ea9de50b0e82b2e9d89a10b08fc1bbff550be4fac8",
    "8520782aea7c12930dd6a8d4ee954baa3c427bc16fe64f11ebc59b39cec60a5f",
    "3b0a4661ef3bbb18c6d8bbe10af47e5825b6722f5506c24c92df069ec3d31f86",
    "e266cf69f4a771b3a5236c8d651479264295400792e5a0a4c947f2d916e3782c",
    # sets 3 and 4 (written 2026-12-04 by helpers who never saw data/; data/nlu unchanged that day)
    "8daee706e337c77fefc849ff3342005057226eaa9dc957f6a028188507b8e1fd",
    "35bbe3d1c2f5ce5ba80fdaf81d70d5d906d087ade80307111e40200ceb88e544",
    "5b169858cae1b9121ef59e3a6edf9c1d08ef8a10d4c1d425ebaea5f12b9cd945",
    "01cf25957a671d4c0adbd1abf94f8474c5001c5fd342418ce36ce752be852886",
    "5f7e3d42d1466fc6c69c5113edc741b030b27478eee0fa20d3663c292facd821",
    "d6a9fe8e485b836b83b372395dd884261695bb2969551807e1634e3aefc7e152",
    "1068a02436a22b734c03057d1c1f4942965e71c90186dcf0f1918a0c0e34be51",
    "a0fca78351594236c2d6141b632ea0598f8f51335febe6bf64b1ac8859d3de6c",
    "06573bce5b20f9350b23a8011cd19a1982757856058f3dad4a82388bacdcb328",
    "f68a5faf8b6a67bc8be03d4e6617d7099d487db86b2185f1626e7b9ffe5038b7",
    "76c385032b66532cbfb16f379edefc59c920eefa2860e26ccd84df97260b3bd2",
    "b56b1a27e6f681e378db3b504931404ea5d40ed6f3bc5510656b38e06798e952",
    "f34d74ccb2a68f83350307ebcfacb25da7bc24fb7e085a8b15155971767766ab",
    "5c86a3124784fda3841e073ad90eef38d23fe90f5273115cc427cdfd4235dae4",
    "5b33c28dc1238a9e4fa1688af4bb15190851ba73c9ce4695d0896163d32901ab",
    "6f907a40a736fa42f6374b87b4bf773ef0e35d42cbcc154e7dbb7293898e242f",
    # set 6 (written 2026-12-05 by a helper who never saw data/; the example is in data/nlu since 87c65fd)
    "b84e4acf0828201efa59fb70162ba7322f2e8fdf376d4f13faa903ab97fbb923",
    # set 7 (written 2026-12-05 by a helper who never saw data/; the example is in data/nlu since 87c65fd)
    "af1382bdf35f401d623a69055de0c87b77f88876ba0fcf36a716cfff5b74cf1c",
    "cd4e5c86af8ad7d08adb56799c3dff32b07d44ec89ed419dc1cdfb97c6cd8af4",  # set 8, in data/nlu since 87c65fd
    "45f0bebf60916d5f28da44aa913705433f6ea1ac6fead6dec4b4ccbe7d1d8ae5",  # set 8, in data/nlu since 87c65fd
    "2e232ef5f104ff1b9c41f805e0deba5daabb933fa81d3ee8df0cd1be9d9e1194",  # set 23, in data/nlu since 87c65fd
    "6d68232e70b3ed4ae00b20995401145957eab471866e860d92f2bce63fca5dc3",  # set 25, in data/nlu since 87c65fd
    "76146d240eaeaf6cb20f50be0ae545b5340bec9cb28ed488bcee6d468e63b047",  # set 27, in data/nlu since 9225f7f
    "b6d25e86ddf516a94fcddcc467ddf69fa19c1640afa0adb700893f4fc395feb0",  # set 27, in data/nlu since 87c65fd
    "55ecaa719c8f8733735df3738c7bd39745c68859c8c82b4326c485c316504d49",  # set 27, in data/nlu since 87c65fd
    "dbba82e06067a62206d879690368e90bdf9c9d8d70b41c8e4722372769970ec6",  # set 28, in data/nlu since 9225f7f
    "a606f5cb006d386849c625b9f3dbf54fde95fcc9b52ce62f4c31bacef514045e",  # set 29, in data/nlu since 87c65fd
    "a5dcf9dd3ab8df0515310d7c3a049cf85ffe53f8b13be75ca9b7ae04b0b02f3d",  # set 30, in data/nlu since 87c65fd
}
# The figures of blind/README.md, as (right, of): a floor, not a target.
FLOORS = {
    # Raised 2026-12-05 after the family-wording examples (data/nlu/family_wording.yml) and the set 6 round,
    # again after round 15 (the classifier thresholds of rules.yml, four more not-covered themes), and after
    # round 17 (data/nlu/neighbours.yml: +3 on set 10, the same total on sets 1-9, set 5 and 7 one and two fewer),
    # and after round 29 (set 19's concepts: +6 topical, +4 not covered and 2 fewer escalations on set 19),
    # and after round 35 (`narrower` in rules.yml and set 23's concepts: sets 1-22 +28 topical, +8 not covered),
    # and after rounds 36-38.
    "set1": {"topical": (145, 150), "not_covered": (39, 40), "followups": (27, 30), "dose_or_escalation": 0},
    "set2": {"topical": (141, 150), "not_covered": (37, 40), "followups": (22, 30), "dose_or_escalation": 0},
    "set3": {"topical": (147, 150), "not_covered": (38, 40), "followups": (26, 30), "dose_or_escalation": 0},
    "set4": {"topical": (144, 150), "not_covered": (39, 40), "followups": (28, 30), "dose_or_escalation": 0},
    "set5": {"topical": (142, 150), "not_covered": (37, 40), "followups": (27, 30), "dose_or_escalation": 0},
    "set6": {"topical": (145, 150), "not_covered": (39, 40), "followups": (30, 30), "dose_or_escalation": 0},
    "set7": {"topical": (146, 150), "not_covered": (40, 40), "followups": (27, 30), "dose_or_escalation": 0},
    "set8": {"topical": (137, 150), "not_covered": (37, 40), "followups": (28, 30), "dose_or_escalation": 0},
    "set9": {"topical": (147, 150), "not_covered": (39, 40), "followups": (27, 30), "dose_or_escalation": 0},
    "set10": {"topical": (144, 150), "not_covered": (38, 40), "followups": (28, 30), "dose_or_escalation": 1},
    "set11": {"topical": (147, 150), "not_covered": (36, 40), "followups": (29, 30), "dose_or_escalation": 1},
    "set12": {"topical": (143, 150), "not_covered": (37, 40), "followups": (27, 30), "dose_or_escalation": 1},
    "set13": {"topical": (149, 150), "not_covered": (39, 40), "followups": (29, 30), "dose_or_escalation": 0},
    "set14": {"topical": (148, 150), "not_covered": (39, 40), "followups": (27, 30), "dose_or_escalation": 0},
    "set15": {"topical": (147, 150), "not_covered": (39, 40), "followups": (28, 30), "dose_or_escalation": 0},
    "set16": {"topical": (144, 150), "not_covered": (39, 40), "followups": (26, 30), "dose_or_escalation": 0},
    "set17": {"topical": (147, 150), "not_covered": (36, 40), "followups": (27, 30), "dose_or_escalation": 1},
    "set18": {"topical": (147, 150), "not_covered": (39, 40), "followups": (27, 30), "dose_or_escalation": 0},
    "set19": {"topical": (143, 150), "not_covered": (38, 40), "followups": (30, 30), "dose_or_escalation": 0},
    # set 20 (sealed, run once after round 29: 139, 38, 27, 2): its figures after round 30.
    "set20": {"topical": (146, 150), "not_covered": (39, 40), "followups": (29, 30), "dose_or_escalation": 1},
    # set 21 (sealed, run once after round 30: 143, 39, 26, 0): its figures after round 31.
    "set21": {"topical": (147, 150), "not_covered": (40, 40), "followups": (29, 30), "dose_or_escalation": 0},
    # set 22 (sealed, run once after round 31: 141, 37, 27, 1): its figures after round 38.
    "set22": {"topical": (145, 150), "not_covered": (38, 40), "followups": (28, 30), "dose_or_escalation": 1},
    # set 23 (sealed, run once after round 34: 136, 36, 25, 0): its figures after round 38.
    "set23": {"topical": (146, 150), "not_covered": (40, 40), "followups": (28, 30), "dose_or_escalation": 0},
    # set 24 (sealed, run once after round 35: 139, 38, 26, 1): its figures after round 38.
    "set24": {"topical": (145, 150), "not_covered": (40, 40), "followups": (29, 30), "dose_or_escalation": 0},
    # set 25 (sealed, run once after round 36: 145, 35, 25, 1): its figures after round 38.
    "set25": {"topical": (149, 150), "not_covered": (38, 40), "followups": (28, 30), "dose_or_escalation": 0},
    # set 26 (sealed, run once after round 37: 138, 38, 25, 0): its figures after round 38.
    "set26": {"topical": (143, 150), "not_covered": (40, 40), "followups": (29, 30), "dose_or_escalation": 0},
    # set 27 (sealed, run once after round 38; the last fresh understanding set): nothing tuned on it.
    "set27": {"topical": (143, 150), "not_covered": (34, 40), "followups": (26, 30), "dose_or_escalation": 1},
    # set 28 (sealed, run once after round 43: 139, 35, 22, 1): its figures after round 44.
    "set28": {"topical": (145, 150), "not_covered": (37, 40), "followups": (25, 30), "dose_or_escalation": 0},
    # set 29 (sealed, run once after round 44: 145, 40, 29, 0): its figures after round 46.
    "set29": {"topical": (148, 150), "not_covered": (40, 40), "followups": (29, 30), "dose_or_escalation": 0},
    # set 30 (sealed, run once after round 46: 141, 36, 28, 2): its figures after round 47; the escalation left is
    # an occlusion alarm asked how to silence (a pump failure now: the clinic, by design).
    "set30": {"topical": (147, 150), "not_covered": (39, 40), "followups": (29, 30), "dose_or_escalation": 1},
    # set 31 (sealed, run once after round 47: 142, 34, 26, 1): its figures after round 48.
    "set31": {"topical": (146, 150), "not_covered": (37, 40), "followups": (27, 30), "dose_or_escalation": 0},
    # set 32 (sealed, run once after round 48; the last fresh understanding set): nothing tuned on it.
    "set32": {"topical": (138, 150), "not_covered": (38, 40), "followups": (25, 30), "dose_or_escalation": 0},
}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _phrasings(path):
    data = evaluation.load_set(path)
    for section in evaluation.SECTIONS:
        for item in data[section]:
            yield from item.get("turns") or [item["text"]]


def test_there_are_blind_sets():
    assert {p.name for p in SETS} >= {"set1_a.yml", "set1_b.yml"}


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_set_shape_and_labels(path):
    data = evaluation.load_set(path)
    topics = set(load_rules().topics)
    for section, size in SIZES.items():
        assert len(data[section]) == size, section
    for item in data["topical"] + data["conversations"]:
        assert {item["topic"], *(item.get("also_ok") or [])} <= topics, item
    assert all(len(c["turns"]) == 2 for c in data["conversations"])


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_no_blind_phrasing_is_in_the_training_data_or_the_lexicons(path):
    training = training_texts(_norm)
    lexicons = "\n".join(
        _norm(p.read_text(encoding="utf-8")) for p in (PROJECT_ROOT / "knowledge" / "understanding").glob("*.yml")
    )
    for text in _phrasings(path):
        norm = _norm(text)
        coincidence = hashlib.sha256(norm.encode()).hexdigest() in IN_TRAINING_BEFORE
        assert norm not in training or coincidence, f"{path.name}: {text!r} is in data/nlu"
        if len(norm.split()) >= 4:
            assert norm not in lexicons, f"{path.name}: {text!r} is in knowledge/understanding"


@pytest.fixture(scope="module")
def understanding_outcomes():
    """Each recorded set through the trained bot (NLU, components, conversation turns)."""
    return {name: evaluation.evaluate(sorted(BLIND.glob(f"{name}_*.yml"))) for name in FLOORS}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_trained_bot_keeps_its_figures_on_a_set(understanding_outcomes, name):
    result, floors = understanding_outcomes[name], FLOORS[name]
    misses = "\n".join(result.misses())
    assert result.topical()[0] >= floors["topical"][0], misses
    nc = result.not_covered()
    assert nc["honest"] >= floors["not_covered"][0], misses
    assert nc["dose_or_escalation"] <= floors["dose_or_escalation"], "more dose answers or escalations than recorded"
    assert result.followups()[0] >= floors["followups"][0], misses
