"""Rasa stores configured from the environment."""
