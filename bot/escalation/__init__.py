"""Deterministic blood-sugar escalation detector (no Rasa imports).

    from bot.escalation import load_rules, assess, Assessment
    a = assess("she's been 52 every morning")   # a.level == "clinic"
"""
from bot.escalation.detector import Assessment, assess
from bot.escalation.rules import Rules, load_rules

__all__ = ["Assessment", "Rules", "assess", "load_rules"]
