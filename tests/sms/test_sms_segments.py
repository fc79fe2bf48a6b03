"""What an SMS costs: GSM-7 against UCS-2, and reply parts cut to three segments of the text's encoding."""

import pytest

from bot.channels.sms.format import split_sms
from bot.core.text.segments import GSM7, UCS2, encoding, part_limit, segments, units


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Call the clinic at 555-0142.", GSM7),
        ("¿Qué es la semana con suero? Niño, está", UCS2),  # é and ñ are GSM-7, á (í, ó, ú) is not
        ("¿Cuándo?", UCS2),
        ("¡Señor! ¿Qué pasó?", UCS2),  # ó
        ("¡Señor! ¿Qué pasa? Müller, è, ñ, Ü", GSM7),  # all in the GSM 03.38 basic set
        ("it’s", UCS2),  # a curly apostrophe
        ("price {5} [x] ~ € ^ | \\", GSM7),  # extension characters
    ],
)
def test_encoding(text, expected):
    assert encoding(text) == expected


@pytest.mark.parametrize(
    "text,count",
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("á" * 70, 1),
        ("á" * 71, 2),
        ("á" * 134, 2),
        ("á" * 135, 3),
        ("á" * 201, 3),
        ("á" * 202, 4),
        ("€" * 80, 1),  # an extension character costs two units: 160
        ("€" * 81, 2),
        ("😀" * 35, 1),  # a surrogate pair costs two UCS-2 units: 70
    ],
)
def test_segments(text, count):
    assert segments(text) == count


def test_units_count_extension_characters_twice():
    assert units("{}") == 4 and units("ab") == 2


def test_a_part_holds_320_gsm_characters_or_201_ucs2():
    assert part_limit("plain English") == 320
    assert part_limit("Información") == 201


def test_a_spanish_answer_is_cut_into_parts_of_three_ucs2_segments():
    sentence = "La bomba de insulina da insulina todo el día y toda la noche."  # í: UCS-2
    text = " ".join([sentence] * 10)  # 619 characters
    parts = split_sms(text)
    assert all(segments(p) <= 3 and len(p) <= 201 for p in parts)
    assert len(parts) == 3 and " ".join(parts) == " ".join([sentence] * 9)  # the tenth is past MAX_PARTS


def test_the_same_length_in_english_keeps_320_character_parts():
    text = " ".join(["The pump gives insulin all day and all night long."] * 6)  # 305 characters
    assert split_sms(text) == [text]
