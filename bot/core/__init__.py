"""What the assistant knows and decides, with no Rasa imports: knowledge/ loaded and
checked (knowledge), blood-sugar escalation (escalation), topic answers (answers)."""
