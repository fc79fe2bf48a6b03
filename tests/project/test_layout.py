"""The habits that keep the layout readable: where code lives, what it may import, the lock file."""

import ast
import re
from pathlib import Path

import pytest
import tomli as tomllib  # tomllib is Python 3.11+; tomli is its 3.10 twin (locked)
from packaging.requirements import Requirement

from bot import PROJECT_ROOT

BOT = PROJECT_ROOT / "bot"


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize("path", sorted(BOT.rglob("*.py")), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_the_installed_package_imports_neither_tests_nor_tools(path):
    bad = [name for name in _imports(path) if name.split(".")[0] in ("tests", "tools")]
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize("path", sorted((BOT / "core").rglob("*.py")), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_bot_core_has_no_rasa_imports(path):
    bad = [name for name in _imports(path) if name.split(".")[0] in ("rasa", "rasa_sdk", "sanic")]
    assert not bad, f"{path} imports {bad}"


def test_rasa_internals_are_patched_only_in_bot_rasa_patches():
    # Assigning to an attribute of a Rasa class is a patch; it belongs in one place.
    patch = re.compile(r"^\s*[A-Z]\w+\.\w+\s*=(?!=)", re.M)  # not "Table.column == value"
    offenders = [
        str(p.relative_to(PROJECT_ROOT))
        for p in BOT.rglob("*.py")
        if p.name != "patches.py" and patch.search(p.read_text(encoding="utf-8"))
    ]
    assert not offenders


def _locked():
    pins = {}
    for line in (PROJECT_ROOT / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            pins[match.group(1).lower().replace("_", "-").replace(".", "-")] = match.group(2)
    return pins


def test_the_lock_pins_every_dependency_within_its_range():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"]) + [d for extra in project["optional-dependencies"].values() for d in extra]
    pins = _locked()
    for spec in wanted:
        req = Requirement(spec)
        name = req.name.lower().replace("_", "-").replace(".", "-")
        assert name in pins, f"{req.name} is not in requirements.lock: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} is outside {spec}"
