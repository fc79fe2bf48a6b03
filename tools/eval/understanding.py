"""Understanding of the whole bot on a blind set (tests/understanding/blind/), end to end.

    .venv/bin/python -m tools.eval.understanding tests/understanding/blind/set1_a.yml [...] [-q]

Each item is a fresh conversation with the trained model in this process; the
outcome is what the bot finally made of the family's (last) message: the
intent Rasa acted on after every component, and a second topic when it
answers two. A topic answer counts when it is the labelled topic or one of
`also_ok`. Figures:

- topical: the right topic answered;
- not covered: answered honestly ("not in our materials": `not_covered`); also
  how many got a wrong topic, and how many a dose answer or an escalation;
- follow-ups: the second message of a conversation answered with the right topic.
"""

import asyncio
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from bot.core.escalation.levels import INTENT_LEVELS
from tools.eval.agent import load_agent

NOT_COVERED = "not_covered"
DOSE_INTENT = "ask_dose_or_settings_advice"
SECTIONS = ("topical", "not_covered", "conversations")


@dataclass(frozen=True)
class Got:
    intent: str
    topics: Tuple[str, ...]  # the topic ids answered (at most two)

    def label(self) -> str:
        return "+".join(self.topics) if self.topics else self.intent


@dataclass
class Outcome:
    items: Dict[str, List[Dict]] = field(default_factory=dict)
    got: Dict[str, List[Got]] = field(default_factory=dict)

    def topical(self) -> Tuple[int, int]:
        return self._hits("topical")

    def followups(self) -> Tuple[int, int]:
        return self._hits("conversations")

    def _hits(self, section: str) -> Tuple[int, int]:
        items, got = self.items.get(section, []), self.got.get(section, [])
        return sum(1 for i, g in zip(items, got, strict=False) if _right(i, g)), len(items)

    def not_covered(self) -> Dict[str, int]:
        got = self.got.get("not_covered", [])
        return {
            "n": len(got),
            "honest": sum(1 for g in got if g.intent == NOT_COVERED),
            "wrong_topic": sum(1 for g in got if g.topics),
            "dose_or_escalation": sum(1 for g in got if g.intent == DOSE_INTENT or g.intent in INTENT_LEVELS),
        }

    def misses(self) -> List[str]:
        out = []
        for section in SECTIONS:
            for item, got in zip(self.items.get(section, []), self.got.get(section, []), strict=False):
                text = " | ".join(item.get("turns") or [item["text"]])
                if section == "not_covered":
                    if got.intent != NOT_COVERED:
                        out.append(f"  [not covered -> {got.label()}] {text}")
                elif not _right(item, got):
                    out.append(f"  [{section}: {_wanted(item)} -> {got.label()}] {text}")
        return out


def _wanted(item: Dict) -> str:
    return "/".join([item["topic"], *(item.get("also_ok") or [])])


def _right(item: Dict, got: Got) -> bool:
    wanted = {item["topic"], *(item.get("also_ok") or [])}
    return bool(wanted & set(got.topics))


def load_set(path: Path) -> Dict[str, List[Dict]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {section: list(data.get(section) or []) for section in SECTIONS}


def got_from(parse_data: Dict) -> Got:
    intent = (parse_data.get("intent") or {}).get("name") or ""
    topics = [intent[len("ask_") :]] if intent.startswith("ask_") else []
    for entity in parse_data.get("entities") or []:
        if entity.get("entity") == "second_topic" and entity.get("value"):
            topics.append(str(entity["value"]))
    return Got(intent, tuple(topics[:2]))


async def _run(sets: Sequence[Dict[str, List[Dict]]], model: Optional[Path]) -> Outcome:
    from rasa.shared.core.events import UserUttered

    agent = load_agent(model)
    out = Outcome()
    for one in sets:
        for section in SECTIONS:
            for item in one[section]:
                sender = f"eval-{uuid.uuid4().hex}"
                for turn in item.get("turns") or [item["text"]]:
                    await agent.handle_text(turn, sender_id=sender)
                tracker = await agent.tracker_store.retrieve(sender)
                last = next(e for e in reversed(tracker.events) if isinstance(e, UserUttered))
                out.items.setdefault(section, []).append(item)
                out.got.setdefault(section, []).append(got_from(last.parse_data))
    return out


def evaluate(paths: Sequence[Path], model: Optional[Path] = None) -> Outcome:
    return asyncio.run(_run([load_set(p) for p in paths], model))


def report(res: Outcome, verbose: bool = True) -> str:
    ok, n = res.topical()
    lines = [f"topical: {ok}/{n} = {ok / max(n, 1):.1%}"]
    nc = res.not_covered()
    lines.append(
        f"not covered, answered honestly: {nc['honest']}/{nc['n']} = {nc['honest'] / max(nc['n'], 1):.1%}; "
        f"a wrong topic: {nc['wrong_topic']}; a dose answer or an escalation: {nc['dose_or_escalation']}"
    )
    ok, n = res.followups()
    lines.append(f"follow-ups: {ok}/{n} = {ok / max(n, 1):.1%}")
    if verbose:
        lines += res.misses()
    return "\n".join(lines)


def main(argv: List[str]) -> int:
    paths = [Path(a) for a in argv if not a.startswith("-")]
    if not paths:
        print(__doc__)
        return 2
    print(f"== {', '.join(str(p) for p in paths)}")
    print(report(evaluate(paths), verbose="-q" not in argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
