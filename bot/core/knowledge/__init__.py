"""Handout content as data: loading, validation and lookup."""

from bot.core.knowledge.errors import KnowledgeError
from bot.core.knowledge.repository import Knowledge, get_knowledge
from bot.core.knowledge.topics import Topic

__all__ = ["Knowledge", "KnowledgeError", "Topic", "get_knowledge"]
