"""Handout content as data: loading, validation and lookup."""
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.repository import Knowledge, get_knowledge
from bot.knowledge.topics import Topic

__all__ = ["Knowledge", "KnowledgeError", "Topic", "get_knowledge"]
