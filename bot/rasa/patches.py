"""Every change this project makes to Rasa's own code, in one place, for Rasa 3.6.21 only.

`install()` is called once, from bot/rasa/__init__.py: Rasa imports that package
the moment it loads anything of ours by name (the NLU component, the NLG, the
stores, the event broker), so every Rasa process gets the patches before it
handles a message, and nothing else installs them. It refuses to run on any
other Rasa version: each patch replaces code that may differ there.

The patches:

- RemoteAction.run: Rasa logs a failed custom action and then says nothing,
  so a family would be left without a reply; and it waits up to 5 minutes
  for an action server that accepts the connection but never answers, while
  the conversation's lock holds every later message (an emergency included).
  The call is bounded by ACTION_TIMEOUT_SECONDS (env ACTION_TIMEOUT_SECONDS,
  default 3), and any failure to reach or use the action server becomes the
  `answer_unavailable` reply from knowledge/replies.yml, with the clinic
  contact. A rejection raised on purpose by an action still propagates.
- RemoteAction._validate_action_result: Rasa checks every action server
  response with jsonschema.validate(), which re-checks the schema itself and
  rebuilds a validator each time: about 38 ms of CPU per answer. The same
  schema is checked with one validator built once (about 0.03 ms).
- LogisticRegressionClassifier.load: scikit-learn scores a message with
  X @ coef_.T, and scipy copies the transposed (36 x 22,814) weight matrix to
  make it contiguous for every message: 6.6 MB copied, about 0.3 ms idle and
  2-3 ms of CPU per message under load. The loaded weights are kept in Fortran
  order, so coef_.T is already contiguous: the same numbers, the same sums,
  identical probabilities, no copy.
- The prediction graph runner (rasa.core.processor's DaskGraphRunner): every
  message runs the NLU graph and two or more policy graphs through dask's
  scheduler, which per run re-derives the minimal graph, orders it, and hands
  each node to a thread-pool future. SequentialGraphRunner runs the same nodes
  in a dependency order computed once per set of targets, in the calling
  thread. Training keeps Rasa's runner.
- RemoteAction._action_call_format: Rasa sends the action server the whole
  conversation (every event, serialised and parsed again there: 30 KB after
  ten questions, growing with each turn) with every call. The project's
  actions read only the latest message and the slots (actions/actions.py), so
  for the actions named in TURN_ONLY_ACTIONS only the events of the current
  turn, from the family's last message on, are sent; latest_message, slots
  and the rest of the tracker state are unchanged. An action that needs the
  history must not be listed there.
- Event.resolve_by_type: Rasa walks every Event subclass for every stored
  event it loads (two thirds of a tracker load); the answer is cached.
- FailSafeTrackerStore.retrieve / retrieve_full_tracker / save: Rasa answers
  a failed load with None (a fresh conversation) and keeps a failed save in
  memory only, where the next successful save can skip it. Errors now reach
  the channel, which says the assistant cannot answer right now
  (bot/rasa/tracker_store.py retries first).

Private Rasa APIs the project relies on (check them when Rasa is upgraded):
PRIVATE_APIS below, each with where it is used.
"""

import asyncio
import logging
import os
from typing import Any, Dict, List, Optional, Text

import jsonschema
import numpy as np
import rasa
import rasa.core.processor
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import EventVerbosity

from bot.core.knowledge import get_knowledge

RASA_VERSION = "3.6.21"
# An answer takes the action server about 2 ms; a few seconds means it is stuck.
ACTION_TIMEOUT_SECONDS = float(os.environ.get("ACTION_TIMEOUT_SECONDS") or 3)

# Custom actions that read only the latest message and the slots (actions/actions.py).
TURN_ONLY_ACTIONS = frozenset({"action_answer_topic"})

# (private name, where the project uses it, what for)
PRIVATE_APIS = (
    ("rasa.core.actions.action.RemoteAction.run", "bot/rasa/patches.py", "polite reply when the action server fails"),
    ("rasa.core.actions.action.RemoteAction._validate_action_result", "bot/rasa/patches.py", "one compiled validator"),
    ("rasa.shared.core.events.Event.resolve_by_type", "bot/rasa/patches.py", "cached event class look-up"),
    (
        "rasa.core.actions.action.RemoteAction._action_call_format",
        "bot/rasa/patches.py",
        "only the current turn's events to the action server",
    ),
    (
        "rasa.core.processor.DaskGraphRunner / DaskGraphRunner._graph_schema, _instantiated_nodes",
        "bot/rasa/patches.py",
        "sequential prediction graph runner",
    ),
    (
        "rasa.nlu.classifiers.logistic_regression_classifier.LogisticRegressionClassifier.load / .clf",
        "bot/rasa/patches.py",
        "weights kept in Fortran order",
    ),
    (
        "rasa.core.tracker_store.FailSafeTrackerStore._tracker_store",
        "bot/rasa/patches.py",
        "errors of the tracker store reach the channel",
    ),
    (
        "rasa.core.tracker_store.SQLTrackerStore._event_query / session_scope",
        "bot/rasa/tracker_store.py",
        "loads run in a thread, retried",
    ),
    (
        "rasa.core.tracker_store.SQLTrackerStore._additional_events",
        "bot/rasa/tracker_store.py",
        "one event count per save",
    ),
    (
        "rasa.core.tracker_store.TrackerStore._stream_new_events",
        "bot/rasa/tracker_store.py",
        "publish exactly the stored events",
    ),
    (
        "rasa.core.tracker_store.SQLTrackerStore.engine / sessionmaker / SQLEvent",
        "bot/rasa/tracker_store.py",
        "SQLite connection kept per thread",
    ),
    ("rasa.core.lock_store.RedisLockStore.red / key_prefix", "bot/rasa/lock_store.py", "atomic lock changes"),
    (
        "rasa.core.channels.socketio.SocketIOInput.sio (handlers, eio.cors_allowed_origins)",
        "bot/channels/socketio.py, bot/channels/input_checks.py",
        "origin check and input checks",
    ),
    ("sanic_cors request.ctx._sanic_cors_e", "bot/channels/socketio.py", "CORS left to engineio on socket.io"),
)

logger = logging.getLogger(__name__)
_installed = False
_original: Dict[str, Any] = {}


class UnsupportedRasaVersion(RuntimeError):
    pass


def install() -> None:
    """Apply every patch once; refuse a Rasa version the patches were not written for."""
    global _installed
    if _installed:
        return
    if rasa.__version__ != RASA_VERSION:
        raise UnsupportedRasaVersion(
            f"bot.rasa.patches is written for Rasa {RASA_VERSION}, found {rasa.__version__}: "
            "check every entry of PRIVATE_APIS in bot/rasa/patches.py, then update RASA_VERSION"
        )
    _original["run"] = RemoteAction.run
    _original["validate"] = RemoteAction._validate_action_result
    _original["call_format"] = RemoteAction._action_call_format
    _original["resolve_by_type"] = Event.resolve_by_type
    _original["logreg_load"] = LogisticRegressionClassifier.load.__func__
    RemoteAction.run = _run_or_apologise
    RemoteAction._validate_action_result = _validate_with_compiled_schema
    RemoteAction._action_call_format = _call_format_current_turn
    Event.resolve_by_type = staticmethod(_resolve_event_class)
    LogisticRegressionClassifier.load = classmethod(_load_logreg_fortran)
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
    FailSafeTrackerStore.retrieve = _retrieve_or_raise
    FailSafeTrackerStore.retrieve_full_tracker = _retrieve_full_or_raise
    FailSafeTrackerStore.save = _save_or_raise
    _installed = True


async def _run_or_apologise(
    self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> List[Event]:
    try:
        return await asyncio.wait_for(
            _original["run"](self, output_channel, nlg, tracker, domain), ACTION_TIMEOUT_SECONDS
        )
    except ActionExecutionRejection:
        raise
    except Exception as exc:  # connection refused, timeout, 5xx, bad response
        reason = f"no answer in {ACTION_TIMEOUT_SECONDS:g} s" if isinstance(exc, asyncio.TimeoutError) else exc
        logger.error("Custom action %s failed (%s); sending the answer-unavailable reply.", self.name(), reason)
        knowledge = get_knowledge()
        language = tracker.get_slot("language") if tracker.get_slot("language") in knowledge.languages else "en"
        return [
            BotUttered(
                knowledge.fill(knowledge.reply("answer_unavailable", language), language),
                metadata={"action_unavailable": self.name()},
            )
        ]


_response_validator = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())(
    RemoteAction.action_response_format_spec()
)


def _validate_with_compiled_schema(self: RemoteAction, result: Any) -> bool:
    try:
        _response_validator.validate(result)
    except jsonschema.ValidationError:
        return _original["validate"](self, result)  # Rasa's own error message
    return True


def _load_logreg_fortran(cls: Any, *args: Any, **kwargs: Any) -> Any:
    component = _original["logreg_load"](cls, *args, **kwargs)
    clf: Any = getattr(component, "clf", None)
    if getattr(clf, "coef_", None) is not None:
        clf.coef_ = np.asfortranarray(clf.coef_)
    return component


class SequentialGraphRunner(DaskGraphRunner):
    """Rasa's DaskGraphRunner with run() replaced: the same nodes, called in a dependency
    order (computed once per targets) in the calling thread, with dask's conventions:
    each node gets its parents' (name, output) pairs, an input placeholder is
    (name, value), and a dependency nothing provides is passed as its name."""

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = list(targets if targets else self._graph_schema.target_names)
        plan = self._plan(tuple(run_targets))
        values: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the input names "
                    f"passed to the `run` method are the same as node names in the graph schema."
                )
            values[name] = (name, value)
        try:
            for name, needs in plan:
                if name in values:  # an input placeholder named like a node wins, as in dask
                    continue
                values[name] = self._instantiated_nodes[name](*[values.get(need, need) for need in needs])
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(values[target] for target in run_targets)

    def _plan(self, targets: tuple) -> List[tuple]:
        plans = self.__dict__.setdefault("_plans", {})
        if targets not in plans:
            nodes = self._graph_schema.nodes
            order: List[tuple] = []
            seen: set = set()

            def visit(name: Text) -> None:
                if name in seen or name not in nodes:
                    return
                seen.add(name)
                needs = list(nodes[name].needs.values())
                for need in needs:
                    visit(need)
                order.append((name, needs))

            for target in targets:
                visit(target)
            plans[targets] = order
        return plans[targets]


def _call_format_current_turn(self: RemoteAction, tracker: Any, domain: Any) -> Dict[Text, Any]:
    if self.name() not in TURN_ONLY_ACTIONS:
        return _original["call_format"](self, tracker, domain)
    events = list(tracker.events)
    start = next((i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], UserUttered)), 0)
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in events[start:]]
    body: Dict[Text, Any] = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        body["domain"] = domain.as_dict()
    return body


_event_classes: Dict[str, type] = {}


def _resolve_event_class(type_name: Text, default: Optional[type] = None) -> Optional[type]:
    cls = _event_classes.get(type_name)
    if cls is None:
        cls = _original["resolve_by_type"](type_name, default)
        if cls is not None and getattr(cls, "type_name", None) == type_name:
            _event_classes[type_name] = cls
    return cls


async def _retrieve_or_raise(self: FailSafeTrackerStore, sender_id: Text) -> Any:
    return await self._tracker_store.retrieve(sender_id)


async def _retrieve_full_or_raise(self: FailSafeTrackerStore, sender_id: Text) -> Any:
    return await self._tracker_store.retrieve_full_tracker(sender_id)


async def _save_or_raise(self: FailSafeTrackerStore, tracker: Any) -> None:
    await self._tracker_store.save(tracker)
