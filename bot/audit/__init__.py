"""Staff follow-up records: escalations and unanswered questions."""
