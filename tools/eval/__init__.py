"""Accuracy: NLU held-back sets (nlu), escalation on case files (escalation_cases,
escalation_bot)."""
