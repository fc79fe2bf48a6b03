"""Understanding a family's message beyond the classifier: is it about the topic,
about two topics, a follow-up, or a pump question the materials do not answer?

No Rasa here: bot/rasa/understanding_component.py applies it in the pipeline.
The words are data (knowledge/understanding/), read like escalation's (bot/core/text/).
"""

from bot.core.understanding.decide import NOT_COVERED, Understanding, topic_intent, understand
from bot.core.understanding.lexicon import load_lexicon
from bot.core.understanding.rules import load_rules

__all__ = ["NOT_COVERED", "Understanding", "load_lexicon", "load_rules", "topic_intent", "understand"]
