"""Deterministic blood-sugar escalation detector (no Rasa imports).

    from bot.core.escalation import assess, assess_turns
    assess("she's been 52 every morning").level          # "clinic"
    assess_turns("45", ["his sugar is"]).level            # "clinic"

Rules in knowledge/escalation/rules.yml, words in knowledge/escalation/<language>.yml.
"""

from bot.core.escalation.detector import Assessment, assess, assess_turns
from bot.core.escalation.rules import Rules, load_rules

__all__ = ["Assessment", "Rules", "assess", "assess_turns", "load_rules"]
