"""The escalation levels, their order, and the NLU intents that carry them: the one table."""

LEVELS = ("emergency", "clinic")  # the levels that escalate
RANK = {"none": 0, "clinic": 1, "emergency": 2}
LEVEL_INTENTS = {"emergency": "escalate_emergency", "clinic": "escalate_clinic"}
INTENT_LEVELS = {intent: level for level, intent in LEVEL_INTENTS.items()}
# The responses that carry each level (data/rules/escalation.yml), e.g. for the SMS outbox.
RESPONSE_LEVELS = {f"utter_escalate_{level}": level for level in LEVELS}
