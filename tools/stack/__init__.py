"""The Rasa stack and its stores on loopback, for tests and the bench."""
