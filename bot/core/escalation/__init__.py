"""Deterministic blood-sugar escalation detector (no Rasa imports).

    from bot.core.escalation import assess, assess_any_language, assess_turns
    assess("she's been 52 every morning").level          # "clinic"
    assess_turns("45", ["his sugar is"]).level            # "clinic"
    assess("no despierta", language="es").reasons         # ["estar inconsciente o no poder despertar"]
    assess_any_language(["esta vomitando", "y tiene cetonas"], "en").level   # "emergency"

Every message is read with the lexicon of each language of rules.yml it is
written in (English and Spanish; a lexicon whose markers are missing from a
message that clearly shows another language is left out, so "si" and "if"
keep their meaning), and the highest level found wins: what one language
finds, alone or together with the others for a message that mixes them.
`language` (assess, assess_turns) and `reply_language` (assess_any_language)
only pick the language of the reasons; `read_in=("es",)` reads with one
lexicon only. assess_any_language(texts_or_turns, reply_language) takes one
message or a conversation's turns (oldest first, the last is answered).

Rules in knowledge/escalation/rules.yml, words in knowledge/escalation/<language>.yml.
"""

from bot.core.escalation.detector import Assessment, assess, assess_any_language, assess_turns, reason_in
from bot.core.escalation.rules import Rules, load_rules

__all__ = ["Assessment", "Rules", "assess", "assess_any_language", "assess_turns", "load_rules", "reason_in"]
