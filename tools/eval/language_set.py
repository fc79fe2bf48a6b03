"""A blind set in one language (topical questions and escalations), end to end.

    .venv/bin/python -m tools.eval.language_set tests/language/blind/es_set1.yml [--language es] [-q]

Each item is a fresh conversation with the trained model in this process (no
action server: the topic is read from the intent Rasa acted on, the language
from the conversation's `language` slot). Figures:

- topical: the right topic (or one of `also_ok`); answered in the set's language;
- emergency recall: the reply's first line is the emergency reply (with "911"
  in it); clinic recall: clinic or emergency; false alarms: any escalation of a
  `none` item; and how many escalation replies are in the set's language (a reply in
  both languages, to a first message that tells none, counts: the family can read it).
"""

import asyncio
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from tools.eval.agent import load_agent
from tools.eval.escalation_bot import in_language, reply_level_and_language
from tools.eval.understanding import got_from


@dataclass
class Outcome:
    language: str
    topical: List[Tuple[Dict, Tuple[str, ...], Optional[str]]] = field(default_factory=list)  # item, topics, slot
    escalation: List[Tuple[Dict, str, Optional[str], str]] = field(default_factory=list)  # item, level, lang, first

    def topical_right(self) -> int:
        return sum(1 for item, topics, _ in self.topical if {item["topic"], *(item.get("also_ok") or [])} & set(topics))

    def topical_in_language(self) -> int:
        return sum(1 for _, _, slot in self.topical if slot == self.language)

    def recall(self, level: str) -> Tuple[int, int]:
        items = [e for e in self.escalation if e[0]["level"] == level]
        if level == "emergency":
            ok = [e for e in items if e[1] == "emergency" and "911" in e[3]]
        else:
            ok = [e for e in items if e[1] in ("clinic", "emergency")]
        return len(ok), len(items)

    def false_alarms(self) -> Tuple[int, int]:
        items = [e for e in self.escalation if e[0]["level"] == "none"]
        return sum(1 for e in items if e[1] != "none"), len(items)

    def escalation_replies_in_language(self) -> Tuple[int, int]:
        escalated = [e for e in self.escalation if e[1] != "none"]
        return sum(1 for e in escalated if in_language(e[2], self.language)), len(escalated)

    def misses(self) -> List[str]:
        out = []
        for item, topics, slot in self.topical:
            wanted = {item["topic"], *(item.get("also_ok") or [])}
            if not wanted & set(topics) or slot != self.language:
                got = "+".join(topics) or "-"
                out.append(f"  [topical: {'/'.join(sorted(wanted))} -> {got}, answered in {slot}] {item['text']}")
        for item, level, language, _ in self.escalation:
            want = item["level"]
            bad = (
                (want == "emergency" and level != "emergency")
                or (want == "clinic" and level == "none")
                or (want == "none" and level != "none")
                or (level != "none" and not in_language(language, self.language))
            )
            if bad:
                out.append(f"  [{want} -> {level}{'' if level == 'none' else ' in ' + str(language)}] {item['text']}")
        return out


async def _run(data: Dict, language: str, model: Optional[Path]) -> Outcome:
    from rasa.shared.core.events import UserUttered

    agent = load_agent(model)
    out = Outcome(language)
    for item in data.get("topical") or []:
        sender = f"eval-{uuid.uuid4().hex}"
        await agent.handle_text(item["text"], sender_id=sender)
        tracker = await agent.tracker_store.retrieve(sender)
        last = next(e for e in reversed(tracker.events) if isinstance(e, UserUttered))
        out.topical.append((item, got_from(last.parse_data).topics, tracker.get_slot("language")))
    for item in data.get("escalation") or []:
        sender = f"eval-{uuid.uuid4().hex}"
        replies: List[Dict] = []
        for turn in item.get("turns") or [item["text"]]:
            replies = await agent.handle_text(turn, sender_id=sender) or []
        texts = [r.get("text", "") for r in replies]
        level, reply_language = reply_level_and_language(texts)
        first = next((t for t in texts if t and t.strip()), "").strip().splitlines()
        out.escalation.append((item, level, reply_language, first[0] if first else ""))
    return out


def evaluate(path: Path, language: str = "es", model: Optional[Path] = None) -> Outcome:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return asyncio.run(_run(data, language, model))


def report(res: Outcome, verbose: bool = True) -> str:
    n = len(res.topical)
    lines = [
        f"topical: {res.topical_right()}/{n} = {res.topical_right() / max(n, 1):.1%}; "
        f"answered in {res.language}: {res.topical_in_language()}/{n}"
    ]
    ok, m = res.recall("emergency")
    lines.append(f"emergency recall (911 in the first line): {ok}/{m} = {ok / max(m, 1):.1%}")
    ok, m = res.recall("clinic")
    lines.append(f"clinic recall: {ok}/{m} = {ok / max(m, 1):.1%}")
    bad, m = res.false_alarms()
    lines.append(f"false alarms: {bad}/{m} = {bad / max(m, 1):.1%}")
    ok, m = res.escalation_replies_in_language()
    lines.append(f"escalation replies in {res.language}: {ok}/{m}")
    if verbose:
        lines += res.misses()
    return "\n".join(lines)


def main(argv: List[str]) -> int:
    paths = [a for a in argv if not a.startswith("-") and a not in ("es", "en")]
    language = argv[argv.index("--language") + 1] if "--language" in argv else "es"
    if not paths:
        print(__doc__)
        return 2
    for p in paths:
        print(f"== {p}")
        print(report(evaluate(Path(p), language), verbose="-q" not in argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
