"""A Rasa server that never loads TensorFlow when the model it serves uses none of it.

Rasa 3.6 imports TensorFlow whatever the pipeline: `rasa.core.policies.policy`
reaches it through the featurizers and `rasa.utils.train_utils` (for training
callbacks), and the default recipe imports DIET, TED and the other neural
components to register them. That is about 0.35 GB in every Rasa process (a
second Sanic worker is a third process). This project's model is spaCy,
sparse featurizers, logistic regression and rule/memoization policies: no
TensorFlow is ever called.

`keep_out(argv)` runs first in `bot.ops.rasa_server`, before anything imports
Rasa. When the model `rasa run` will load is a local archive whose prediction
graph uses only the components in TENSORFLOW_FREE (and this project's `bot.*`
ones), `import tensorflow` (and its companions) gives a stand-in module: any
name in it is a class that can be subclassed, called, used as a decorator,
iterated (empty) and measured (length 0), so Rasa's modules import, and
libraries that look for TensorFlow (thinc) see no GPU. Any other model, a
remote model, another Rasa version or TENSORFLOW=load keeps the real one.
Training never goes through here.
"""

import importlib.abc
import importlib.machinery
import json
import os
import sys
import tarfile
import types
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence

RASA_VERSION = "3.6.21"  # the version whose imports were checked (see the module docstring)
PACKAGES = ("tensorflow", "tensorflow_addons", "tensorflow_hub", "tensorflow_text", "tensorboard", "keras")
# Rasa components that run without TensorFlow (the predict graph's `uses`).
TENSORFLOW_FREE = frozenset(
    {
        "rasa.core.policies.ensemble.DefaultPolicyPredictionEnsemble",
        "rasa.core.policies.memoization.MemoizationPolicy",
        "rasa.core.policies.memoization.AugmentedMemoizationPolicy",
        "rasa.core.policies.rule_policy.RulePolicy",
        "rasa.graph_components.converters.nlu_message_converter.NLUMessageConverter",
        "rasa.graph_components.providers.domain_provider.DomainProvider",
        "rasa.graph_components.providers.rule_only_provider.RuleOnlyDataProvider",
        "rasa.nlu.classifiers.fallback_classifier.FallbackClassifier",
        "rasa.nlu.classifiers.logistic_regression_classifier.LogisticRegressionClassifier",
        "rasa.nlu.classifiers.regex_message_handler.RegexMessageHandler",
        "rasa.nlu.extractors.spacy_entity_extractor.SpacyEntityExtractor",
        "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer.CountVectorsFeaturizer",
        "rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer.LexicalSyntacticFeaturizer",
        "rasa.nlu.tokenizers.spacy_tokenizer.SpacyTokenizer",
        "rasa.nlu.utils.spacy_utils.SpacyNLP",
    }
)
OWN_PREFIX = "bot."


class _Anything(type):
    """The metaclass of the stand-in: every attribute, call, item of it is the stand-in again."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Absent

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]  # used as a decorator (@tf.function, @tf.keras.utils.register_...)
        return Absent

    def __getitem__(cls, item: Any) -> Any:
        return Absent

    def __iter__(cls) -> Iterator[Any]:
        return iter(())

    def __len__(cls) -> int:
        return 0

    def __bool__(cls) -> bool:
        return False

    def __or__(cls, other: Any) -> Any:
        return Absent

    __ror__ = __or__


class Absent(metaclass=_Anything):
    """Whatever TensorFlow name Rasa's modules touch while importing."""


class _StandInModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Absent


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname.split(".")[0] in PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _StandInModule(spec.name)
        module.__path__ = []
        setattr(module, "__version__", "0+absent")  # noqa: B010 (a module attribute mypy does not know)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def served_model(argv: Sequence[str]) -> Optional[Path]:
    """The local archive `rasa run` loads with these arguments (newest in a directory, as Rasa picks)."""
    given = "models"
    for i, arg in enumerate(argv):
        if arg in ("-m", "--model") and i + 1 < len(argv):
            given = argv[i + 1]
        elif arg.startswith("--model="):
            given = arg.split("=", 1)[1]
    path = Path(given)
    if path.is_dir():
        archives = sorted(path.glob("*.tar.gz"), key=os.path.getctime)
        return archives[-1] if archives else None
    return path if path.is_file() else None


def needs_tensorflow(model: Path) -> List[str]:
    """The components of the model's prediction graph not known to run without TensorFlow."""
    with tarfile.open(model) as archive:
        for member in archive:
            if member.name in ("metadata.json", "./metadata.json"):  # the model's, not a component's
                handle = archive.extractfile(member)
                metadata = json.load(handle) if handle else {}
                break
        else:
            return ["(no metadata.json in the model)"]
    nodes = metadata.get("predict_schema", {}).get("nodes") if isinstance(metadata, dict) else None
    if not isinstance(nodes, dict) or not nodes:
        return ["(no prediction graph in metadata.json)"]
    uses = {str(node.get("uses", "")) if isinstance(node, dict) else "" for node in nodes.values()}
    return sorted(u for u in uses if u not in TENSORFLOW_FREE and not u.startswith(OWN_PREFIX))


def keep_out(argv: Sequence[str]) -> str:
    """Install the stand-in when it is safe; returns what was decided, for the log."""
    if os.environ.get("TENSORFLOW", "").strip().lower() == "load":
        return "TensorFlow loaded (TENSORFLOW=load)"
    if any(name.split(".")[0] in PACKAGES for name in sys.modules) or "rasa" in sys.modules:
        return "TensorFlow left as it is (imported before the server started)"
    try:
        installed = version("rasa")
    except PackageNotFoundError:
        return "TensorFlow left as it is (Rasa not installed)"
    if installed != RASA_VERSION:
        return f"TensorFlow loaded (Rasa {installed}: the stand-in is checked for {RASA_VERSION} only)"
    model = served_model(argv)
    if model is None:
        return "TensorFlow loaded (no local model archive to check)"
    try:
        needed = needs_tensorflow(model)
    except Exception as exc:  # noqa: BLE001 - any doubt about the model keeps TensorFlow, never stops the server
        return f"TensorFlow loaded ({model.name} could not be checked: {exc})"
    if needed:
        return f"TensorFlow loaded ({model.name} uses {', '.join(needed)})"
    sys.meta_path.insert(0, _StandInFinder())
    return f"TensorFlow not loaded ({model.name} uses none of it)"
