"""The trained bot in this process, as the end-to-end evaluations run it.

Every component of the NLU pipeline and the dialogue rules, a conversation store
in memory, the project's NLG (contacts, the conversation's language) and an action
endpoint where nothing listens: escalation must not need the action server, and a
topic is read from the intent Rasa acted on.
"""

import logging
from pathlib import Path
from typing import Any, Optional


def load_agent(model: Optional[Path] = None) -> Any:
    from rasa.core.agent import Agent
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog

    from bot.ops.training import latest_model
    from bot.rasa.nlg import ContactFillingNLG

    configure_structlog(logging.WARNING)
    for name in ("bot.rasa.patches", "rasa.core.actions.action"):  # the action server is down on purpose
        logging.getLogger(name).setLevel(logging.CRITICAL)
    agent = Agent.load(
        str(model or latest_model()),
        action_endpoint=EndpointConfig("http://127.0.0.1:9/webhook"),  # nothing listens: actions fail politely
        lock_store=InMemoryLockStore(),
    )
    agent.tracker_store = InMemoryTrackerStore(agent.domain)
    agent.processor.tracker_store = agent.tracker_store
    agent.nlg = agent.processor.nlg = ContactFillingNLG(domain=agent.domain)
    return agent
