"""Rasa input channels configured in credentials.yml."""
