"""Plain language: every answer, SMS form and fixed reply at or below US grade 8 by the
Flesch-Kincaid grade level (textstat, offline: its syllable data ships in the wheels).

Patient materials aim at grade 6-8; the figures are printed for the README.
"""

import pytest
import textstat

from bot.core.knowledge import get_knowledge
from bot.core.understanding import load_lexicon

MAX_GRADE = 8.0
K = get_knowledge()
# Runtime placeholders, filled as a family would see them.
EXAMPLES = {"escalation_reason": "a very high blood sugar", "referral": load_lexicon("en").referrals["diabetes_team"]}


def _texts():
    for topic in K.topics:
        yield f"answer:{topic.id}", K.fill(topic.answer)
        yield f"sms:{topic.id}", K.fill(topic.sms)
    for name, text in K.replies.items():
        yield f"reply:{name}", text.format(**K.contacts, **EXAMPLES)
    for who, text in load_lexicon("en").referrals.items():
        yield f"referral:{who}", text


TEXTS = dict(_texts())


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_every_text_reads_at_grade_8_or_below(name):
    grade = textstat.flesch_kincaid_grade(TEXTS[name])
    assert grade <= MAX_GRADE, f"{name} reads at grade {grade:.1f}: {TEXTS[name]!r}"


def test_the_formula_is_the_one_the_readme_names():
    # A known text, so a library change that moves the scale shows up here.
    assert textstat.flesch_kincaid_grade("The cat sat on the mat.") < 1
    assert (
        textstat.flesch_kincaid_grade(
            "Interdisciplinary evaluation methodologies necessitate comprehensive institutional collaboration."
        )
        > 16
    )
