"""Escalation accuracy of the whole bot on a case file, end to end.

    .venv/bin/python -m tools.eval.escalation_bot tests/escalation/blind/batch1.yml [-v]

Every case is a fresh conversation with the trained model in this process (no
action server: escalation must not need one). Single `text` cases send one
message, `turns` cases send each message in order; the level is read from the
bot's last reply, as a family would read it: "Call 911 now" first means
emergency, "call the diabetes team now" first means clinic. Emergency recall
counts only emergency replies; clinic recall counts clinic or emergency;
over-escalation is any escalation on a `none` case.
"""

import asyncio
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot.core.escalation.levels import RANK
from tools.eval.agent import load_agent


def load_cases(path: Path) -> List[Dict]:
    cases = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["cases"]
    for c in cases:
        c.setdefault("turns", [c["text"]] if "text" in c else [])
    return cases


def _heads() -> Dict[str, Dict[str, str]]:
    """How each escalation reply begins, per language, lower case: level -> language -> start."""
    from bot.core.knowledge import get_knowledge

    k = get_knowledge()
    heads: Dict[str, Dict[str, str]] = {"emergency": {}, "clinic": {}}
    for language in k.languages:
        heads["emergency"][language] = k.reply("escalate_emergency", language).strip().splitlines()[0].lower()
        heads["clinic"][language] = k.reply("escalate_clinic", language).split("{")[0].strip().lower()
    return heads


def reply_level_and_language(texts: List[str]) -> Tuple[str, Optional[str]]:
    """Level of the bot's reply to one message, from its first line, and the language it is in:
    "en+es" for a reply in both (a conversation whose language no message has told yet)."""
    first = next((t for t in texts if t and t.strip()), "")
    lines = [line.strip().lower() for line in first.strip().splitlines()]
    head = lines[0] if lines else ""
    for level, starts in _heads().items():
        for language, start in starts.items():
            if head.startswith(start):
                # The same reply in another language: at the start of a line, or after " / " on the first.
                also = [
                    other
                    for other, s in starts.items()
                    if other != language and any(line.startswith(s) or f" / {s}" in line for line in lines)
                ]
                return level, "+".join([language, *also])
    return "none", None


def in_language(reply_language: Optional[str], language: str) -> bool:
    """Whether a reply (of reply_level_and_language) can be read in `language`."""
    return language in (reply_language or "").split("+")


def reply_level(texts: List[str]) -> str:
    return reply_level_and_language(texts)[0]


@dataclass
class Outcome:
    cases: List[Dict]
    got: List[str] = field(default_factory=list)

    def recall(self, level: str):
        idx = [i for i, c in enumerate(self.cases) if c["level"] == level]
        ok = [
            i for i in idx if (self.got[i] == "emergency" if level == "emergency" else RANK[self.got[i]] >= RANK[level])
        ]
        return len(ok), len(idx)

    def over(self):
        idx = [i for i, c in enumerate(self.cases) if c["level"] == "none"]
        return len([i for i in idx if self.got[i] != "none"]), len(idx)

    def misses(self):
        out = []
        for i, c in enumerate(self.cases):
            want, got = c["level"], self.got[i]
            bad = (
                (want == "emergency" and got != "emergency")
                or (want == "clinic" and got == "none")
                or (want == "none" and got != "none")
            )
            if bad:
                out.append((want, got, c["turns"]))
        return out


async def _run(cases: List[Dict], model: Optional[Path]) -> Outcome:
    agent = load_agent(model)
    out = Outcome(cases)
    for c in cases:
        sender = f"eval-{uuid.uuid4().hex}"
        replies: List[Dict] = []
        for turn in c["turns"]:
            replies = await agent.handle_text(turn, sender_id=sender) or []
        out.got.append(reply_level([r.get("text", "") for r in replies]))
    return out


def evaluate(path: Path, model: Optional[Path] = None) -> Outcome:
    return asyncio.run(_run(load_cases(path), model))


def report(res: Outcome, verbose: bool = True) -> str:
    lines = []
    for level in ("emergency", "clinic"):
        ok, n = res.recall(level)
        lines.append(f"{level} recall: {ok}/{n} = {ok / max(n, 1):.1%}")
    bad, n = res.over()
    lines.append(f"benign over-escalation: {bad}/{n} = {bad / max(n, 1):.1%}")
    if verbose:
        for want, got, turns in res.misses():
            lines.append(f"  [{want} -> {got}] " + " | ".join(turns))
    return "\n".join(lines)


def main(argv: List[str]) -> int:
    paths = [a for a in argv if not a.startswith("-")]
    if not paths:
        print(__doc__)
        return 2
    for p in paths:
        res = evaluate(Path(p))
        print(f"== {p}: {len(res.cases)} cases")
        print(report(res, verbose="-q" not in argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
