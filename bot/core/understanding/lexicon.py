"""A language's understanding lexicon: knowledge/understanding/<language>.yml.

The words that tie a message to a topic (`about`), to a theme the materials do
not cover (`themes`), to pumps and diabetes at all (`domain`), that make it a
follow-up (`followups`) or split it into two questions (`clause_breaks`), and
the wording of who answers what is not covered (`referrals`). Read with the
same machinery as escalation (bot/core/text/): texting forms, lemmas, typo repair.
Every mistake raises KnowledgeError naming the file and the dotted field.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Tuple, Union

from bot.core.knowledge.shape import Shape, load_yaml
from bot.core.text.normalise import fold, normalise
from bot.core.text.patterns import HARD_BREAKS, Matcher, PatternError, Token, compile_pattern
from bot.core.text.patterns import Pattern as CompiledPattern
from bot.core.text.words import Words
from bot.core.understanding.rules import UNDERSTANDING_DIR, Rules, load_rules

_WORD = re.compile(r"(?<![a-z0-9])[a-z]+(?![a-z0-9])")
_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)?|#+|[^\sa-z\d#]")
# A hyphen inside a word joins its parts ("follow-up", "back-up"): read as the words.
_WORD_HYPHEN = re.compile(r"(?<=[a-z])-(?=[a-z])")
_NEVER = re.compile(r"(?!)")  # no `defuse` here: numbers stay numbers
_WRITTEN_ORDINAL = re.compile(r"\b\d+[a-z]{2}\b")
ORDINALS = ("1", "2", "3", "4", "last")
_TOP = (
    "language",
    "gap",
    "near",
    "spelling",
    "ordinals",
    "lemmas",
    "classes",
    "about",
    "themes",
    "domain",
    "followups",
    "question_words",
    "clause_breaks",
)
# The referral wording lives in the first language's lexicon; another language has
# knowledge/<language>/referrals.yml (with its review mark).
_OPTIONAL = ("referrals",)


@dataclass(frozen=True)
class Reading:
    tokens: Tuple[Token, ...]
    hits: Tuple[Tuple[str, int, int], ...]  # (name, start token, end token)

    @property
    def words(self) -> int:
        return sum(1 for t in self.tokens if t.is_word)


@dataclass
class Lexicon:
    path: str
    language: str
    words: Words
    matcher: Matcher
    max_followup_words: int
    referrals: Dict[str, str]
    question_words: Tuple[Tuple[str, ...], ...]
    continuations: Tuple[Tuple[str, ...], ...]
    asking_anywhere: FrozenSet[str]  # words that make a short message ask wherever they stand
    new_subject: FrozenSet[str]  # after a one-word continuation, a word that brings a new subject ("and what about")
    ordinals: Dict[str, str]

    def read(self, text: str) -> Reading:
        norm = _WRITTEN_ORDINAL.sub(lambda m: self.ordinals.get(m.group(), m.group()), normalise(text, _NEVER))
        norm = _WORD_HYPHEN.sub(" ", norm)
        repaired = _WORD.sub(lambda m: " ".join(self.words.expand(m.group())), norm)
        tokens: List[Token] = []
        sentence = 0
        for m in _TOKEN.finditer(repaired):
            word = m.group()
            tokens.append(Token(word, self.words.lemma(word), m.start(), sentence))
            if word in HARD_BREAKS:
                sentence += 1
        found = tuple(tokens)
        return Reading(found, tuple(self.matcher.find(found)))


def load_lexicon(language: str, rules: Optional[Rules] = None, path: Union[str, Path, None] = None) -> Lexicon:
    if path is None and rules is None:
        return _default(language)
    return _load(Path(path or UNDERSTANDING_DIR / f"{language}.yml"), language, rules or load_rules())


@functools.lru_cache(maxsize=None)
def _default(language: str) -> Lexicon:
    return _load(UNDERSTANDING_DIR / f"{language}.yml", language, load_rules())


def _load(path: Path, language: str, rules: Rules) -> Lexicon:
    s = Shape(path)
    top = s.mapping(load_yaml(path), "", _TOP, _OPTIONAL)
    if top["language"] != language:
        raise s.error("language", f"expected '{language}' (the file's name), got {top['language']!r}")
    spelling = {
        fold(str(k)): tuple(fold(s.text(v, f"spelling.{k}")).split())
        for k, v in s.mapping(top["spelling"], "spelling", optional=None).items()
    }
    lemmas = {
        fold(str(k)): fold(s.text(v, f"lemmas.{k}"))
        for k, v in s.mapping(top["lemmas"], "lemmas", optional=None).items()
    }
    classes: Dict[str, Tuple[Tuple[str, ...], ...]] = {}
    for name, items in s.mapping(top["classes"], "classes", optional=None).items():
        classes[str(name)] = tuple(tuple(fold(p).split()) for p in s.strings(items, f"classes.{name}"))

    named: List[Tuple[str, CompiledPattern]] = []

    def add(key: str, field: str, sources, empty_ok: bool = False) -> None:
        for i, src in enumerate(s.strings(sources, field, empty_ok)):
            try:
                named.append((key, compile_pattern(fold(src), classes)))
            except PatternError as exc:
                raise s.error(f"{field}[{i}]", f"{exc} in pattern {src!r}") from exc

    about = s.mapping(top["about"], "about", rules.topics)
    for topic in rules.topics:
        add(f"about:{topic}", f"about.{topic}", about[topic])
    themes = s.mapping(top["themes"], "themes", tuple(t for t in rules.themes if t != "general"), ("general",))
    for theme, patterns in themes.items():
        # A theme may have no words yet in a language: its questions then go by the topics' words.
        add(f"theme:{theme}", f"themes.{theme}", patterns, empty_ok=True)
    add("domain", "domain", top["domain"])
    fu = s.mapping(
        top["followups"],
        "followups",
        ("next", "previous", "ordinal", "back", "max_words", "continuations", "new_subject", "asking_anywhere"),
        ("refers_back", "after_step"),
    )
    add("next", "followups.next", fu["next"])
    add("previous", "followups.previous", fu["previous"])
    ordinal = s.mapping(fu["ordinal"], "followups.ordinal", (), ORDINALS)
    for key, patterns in ordinal.items():
        add(f"ord:{key}", f"followups.ordinal.{key}", patterns)
    add("back", "followups.back", fu["back"])
    for key in ("refers_back", "after_step"):
        if fu.get(key):
            add(key, f"followups.{key}", fu[key])
    add("break", "clause_breaks", top["clause_breaks"])
    question_words = tuple(tuple(fold(w).split()) for w in s.strings(top["question_words"], "question_words"))
    continuations = tuple(tuple(fold(w).split()) for w in s.strings(fu["continuations"], "followups.continuations"))
    asking_anywhere = frozenset(fold(w) for w in s.strings(fu["asking_anywhere"], "followups.asking_anywhere"))
    new_subject = frozenset(fold(w) for w in s.strings(fu["new_subject"], "followups.new_subject", empty_ok=True))
    ordinals = {
        fold(str(k)): fold(s.text(v, f"ordinals.{k}"))
        for k, v in s.mapping(top["ordinals"], "ordinals", optional=None).items()
    }
    given = top.get("referrals")
    if given is None and language == rules.languages[0]:
        raise s.error("referrals", "missing required field (the first language's lexicon holds the wording)")
    ref = s.mapping(given or {}, "referrals", rules.referrals if given is not None else ())
    referrals = {k: s.text(ref[k], f"referrals.{k}") for k in rules.referrals if k in ref}

    lexicon_words = {
        w
        for _, p in named
        for seq in (p.left, p.right)
        if seq
        for e in seq
        for w in e.words | {x for ph in e.phrases for x in ph}
    }
    # The lemma table last, as in the escalation lexicon: what its load leaves behind is then
    # all it leaves (Words.keep_only); built first, it held about 60 MB of a Spanish server process.
    words = Words(language, spelling, lemmas=lemmas)
    words.add_targets(lexicon_words)
    words.keep_only(lexicon_words)
    return Lexicon(
        path=str(path),
        language=language,
        words=words,
        matcher=Matcher(named, gap=s.whole(top["gap"], "gap", 1), near=s.whole(top["near"], "near", 1)),
        max_followup_words=s.whole(fu["max_words"], "followups.max_words", 1),
        referrals=referrals,
        question_words=question_words,
        continuations=continuations,
        asking_anywhere=asking_anywhere,
        new_subject=new_subject,
        ordinals=ordinals,
    )
