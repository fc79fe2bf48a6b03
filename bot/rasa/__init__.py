"""Everything Rasa loads from this project by name (config.yml, endpoints.yml): the
escalation NLU component, the NLG, the tracker and lock stores, the audit event
broker, and the one module that patches Rasa internals (patches.py)."""

from bot.rasa import patches

# The one place the Rasa patches are installed (see bot/rasa/patches.py).
patches.install()
