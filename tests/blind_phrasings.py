"""The NLU training phrasings the blind-set tests check against (no phrasing of a blind set may be
copied in): every example of data/nlu/, English and Spanish, in the caller's normal form."""

from typing import Callable, Set

import yaml

from bot import PROJECT_ROOT


def training_texts(norm: Callable[[str], str]) -> Set[str]:
    texts = set()
    for path in (PROJECT_ROOT / "data" / "nlu").rglob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    texts.add(norm(line.strip()[2:]))
    return texts
