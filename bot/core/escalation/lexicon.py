"""A language's escalation lexicon: knowledge/escalation/<language>.yml.

It holds every word the detector reads in that language: texting forms, word
classes, the patterns of each concept of rules.yml (and spans that are not
the concept), the context cues (negation, hypothetical, history, someone
else, ...), the words that tie a number to blood sugar, and the reason texts
of the replies. Adding a language is adding a file and naming it in
rules.yml. Loading checks that every concept, context category and reason of
rules.yml is there, and every mistake raises KnowledgeError naming the file
and the dotted field.

What differs between languages is data too: number words (`numbers`, with
the joiner of "cuarenta y cinco" and the hundreds of "doscientos"), pronouns
joined to verbs (`clitics`: "despertarla"), the word that joins the last two
reasons of a reply (`and_word`), the clause, clock, subject and "45 on the
meter" words of the readings finder, and `markers`: words that show a
message is written (at least partly) in this language, so that the detector
leaves out the lexicons of languages a message clearly is not in. Markers
are frequent words of this language that other languages do not use ("the",
"she"; "el", "que"), not shared ones ("no", "a", "son"), matched as typed.
"""

import bisect
import functools
import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Pattern, Sequence, Tuple

from bot.core.escalation.readings import Phrases, index_words
from bot.core.escalation.rules import ESCALATION_DIR, LEVELS, Rules, load_rules, reason_keys
from bot.core.knowledge.shape import Shape, load_yaml
from bot.core.text.normalise import fold, normalise
from bot.core.text.numbers import NumberWords
from bot.core.text.patterns import HARD_BREAKS, Matcher, PatternError, Token, compile_pattern
from bot.core.text.patterns import Pattern as CompiledPattern
from bot.core.text.words import Words

Phrase = Tuple[str, ...]
_WORD = re.compile(r"(?<![a-z0-9])[a-z]+(?![a-z0-9])")  # not "u" in "3u"
# The hyphen of a range ("280-320") and the plus of "300+" are no tokens, so the number is as
# far from its words as any number.
_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)?|#+|[^\sa-z\d#+-]|(?<!\d)[-+]|-(?!\d)")
# readings.* word lists, as in the readings finder's docstring
READING_WORDS = (
    "glucose_words",
    "subject_words",
    "given_names",
    "thing_subjects",
    "subjectless_links",
    "link_words",
    "filler_words",
    "at_words",
    "verb_words",
    "verb_followers",
    "trailing_links",
    "clause_goes_on",
    "approx_after",
    "below_words",
    "not_below_before",
    "above_words",
    "not_after",
    "own_age_after",
    "not_before",
    "not_shortly_after",
    "blockers",
    "when_links",
    "when_words",
    "clause_words",
    "now_words",
    "time_words",
    "on_words",
)
READING_REGEXES = ("defuse", "meter_hi", "meter_lo")
EMPTY_OK = ("subjectless_links", "given_names")  # reading word lists a language may leave empty
_TOP = (
    "language",
    "gap",
    "near",
    "spelling",
    "lemmas",
    "numbers",
    "keep_words",
    "classes",
    "concepts",
    "context",
    "readings",
    "reasons",
    "classifier_reasons",
    "clitics",
    "markers",
    "and_word",
)


@dataclass(frozen=True)
class Text:
    """A message as one language's lexicon reads it."""

    repaired: str  # normalised, texting forms spelt out, typos repaired
    tokens: Tuple[Token, ...]
    starts: Tuple[int, ...]  # token offsets, for mapping readings to tokens

    def token_at(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)


@dataclass
class Lexicon:
    path: str
    language: str
    words: Words
    matcher: Matcher
    reading_words: Dict[str, Phrases]
    regexes: Dict[str, Pattern]
    reasons: Dict[str, str]
    classifier_reasons: Dict[str, str]
    numbers: NumberWords
    markers: FrozenSet[str]
    and_word: str

    def markers_in(self, text: str) -> int:
        """How many marker words of this language `text` has, as typed (texting
        forms spelt out; no lemmas or typo repair, which would find some anywhere)."""
        return sum(
            word in self.markers
            for m in _WORD.finditer(normalise(text, self.regexes["defuse"]))
            for word in self.words.spelling.get(m.group(), (m.group(),))
        )

    def read(self, text: str, foreign: Sequence[Words] = ()) -> Text:
        """`text` as this lexicon reads it. A word of a `foreign` language (one the
        message is read in as well) is left as it is, never "repaired" into a word
        of this one: that language's lexicon reads it, with its own context."""
        norm = normalise(text, self.regexes["defuse"])

        def expand(m) -> str:
            word = m.group()
            if foreign and word not in self.words.known and any(word in f.known for f in foreign):
                return word
            return " ".join(self.words.expand(word))

        repaired = self.numbers.spell(_WORD.sub(expand, norm))
        tokens, sentence = [], 0
        for m in _TOKEN.finditer(repaired):
            word = m.group()
            tokens.append(Token(word, self.words.lemma(word), m.start(), sentence))
            if word in HARD_BREAKS:
                sentence += 1
        return Text(repaired, tuple(tokens), tuple(t.start for t in tokens))


_OTHER_RULES: Dict[Tuple[str, int], Tuple[Rules, Lexicon]] = {}


def load_lexicon(language: str, rules: Optional[Rules] = None, path=None) -> Lexicon:
    rules = rules or load_rules()
    if path is None and rules is load_rules():
        if language in rules.languages:
            _registered_lexicons()  # every message reads them all: load them together, at start-up
        return _default_lexicon(language)
    if path is None:
        # Other rules (a test's, say) with the shipped lexicons: each message reads
        # every language, so keep the last few loaded rather than load them each time.
        key = (language, id(rules))
        hit = _OTHER_RULES.get(key)
        if hit is None or hit[0] is not rules:
            hit = _OTHER_RULES[key] = (rules, _load(ESCALATION_DIR / f"{language}.yml", language, rules))
            while len(_OTHER_RULES) > 8:
                del _OTHER_RULES[next(iter(_OTHER_RULES))]
        return hit[1]
    return _load(path, language, rules)


@functools.lru_cache(maxsize=1)
def _registered_lexicons() -> Tuple[Lexicon, ...]:
    return tuple(_default_lexicon(language) for language in load_rules().languages)


@functools.lru_cache(maxsize=None)
def _default_lexicon(language: str) -> Lexicon:
    return _load(ESCALATION_DIR / f"{language}.yml", language, load_rules())


def _load(path, language: str, rules: Rules) -> Lexicon:
    s = Shape(path)
    top = s.mapping(load_yaml(path), "", _TOP)
    if top["language"] != language:
        raise s.error("language", f"expected '{language}' (the file's name), got {top['language']!r}")
    spelling = {
        fold(k): tuple(fold(s.text(v, f"spelling.{k}")).split())
        for k, v in s.mapping(top["spelling"], "spelling", optional=None).items()
    }
    lemmas = {
        fold(k): fold(s.text(v, f"lemmas.{k}")) for k, v in s.mapping(top["lemmas"], "lemmas", optional=None).items()
    }
    keep = [fold(w) for w in s.strings(top["keep_words"], "keep_words")]
    cl = s.mapping(top["clitics"], "clitics", ("pronouns", "verbs"))
    clitics = [fold(w) for w in s.strings(cl["pronouns"], "clitics.pronouns", empty_ok=True)]
    verb_endings = [fold(w) for w in s.strings(cl["verbs"], "clitics.verbs", empty_ok=True)]
    markers = frozenset(fold(w) for w in s.strings(top["markers"], "markers"))

    classes: Dict[str, Tuple[Phrase, ...]] = {}
    for name, items in s.mapping(top["classes"], "classes", optional=None).items():
        phrases = s.strings(items, f"classes.{name}")
        classes[str(name)] = tuple(tuple(fold(p).split()) for p in phrases)

    named: List[Tuple[str, CompiledPattern]] = []

    def add(key: str, field: str, sources) -> None:
        for i, src in enumerate(s.strings(sources, field)):
            try:
                named.append((key, compile_pattern(fold(src), classes)))
            except PatternError as exc:
                raise s.error(f"{field}[{i}]", f"{exc} in pattern {src!r}") from exc

    concepts = s.mapping(top["concepts"], "concepts", tuple(rules.concepts))
    for name, body in concepts.items():
        field = f"concepts.{name}"
        body = s.mapping(body, field, ("patterns",), ("unless",))
        add(f"c:{name}", f"{field}.patterns", body["patterns"])
        if "unless" in body:
            add(f"u:{name}", f"{field}.unless", body["unless"])

    context = s.mapping(top["context"], "context", ("terminators", "pseudo", *rules.context))
    add("stop", "context.terminators", context["terminators"])
    add("pseudo", "context.pseudo", context["pseudo"])
    for name in rules.context:
        field = f"context.{name}"
        body = s.mapping(context[name], field, (), ("forward", "backward", "stop"))
        if "forward" not in body and "backward" not in body:
            raise s.error(field, "give forward and/or backward cues")
        if "stop" in body:
            add(f"stop:{name}", f"{field}.stop", body["stop"])
        for direction, mark in (("forward", ">"), ("backward", "<")):
            if direction in body:
                add(f"t{mark}:{name}", f"{field}.{direction}", body[direction])

    rd = s.mapping(top["readings"], "readings", READING_WORDS + READING_REGEXES)
    reading_words = {
        k: tuple(tuple(fold(w).split()) for w in s.strings(rd[k], f"readings.{k}", empty_ok=k in EMPTY_OK))
        for k in READING_WORDS
    }
    regexes = {k: _join(s.regexes(rd[k], f"readings.{k}")) for k in READING_REGEXES}

    reasons_raw = s.mapping(top["reasons"], "reasons", tuple(sorted(reason_keys(rules))), optional=None)
    # Reasons may quote thresholds; whole numbers print without ".0".
    values = {k: (int(v) if v == int(v) else v) for k, v in rules.thresholds.items()}
    reasons = {}
    for key, value in reasons_raw.items():
        try:
            reasons[key] = s.text(value, f"reasons.{key}").format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise s.error(f"reasons.{key}", f"bad placeholder: {exc}") from exc
    cr = s.mapping(top["classifier_reasons"], "classifier_reasons", LEVELS)
    classifier_reasons = {k: s.text(cr[k], f"classifier_reasons.{k}") for k in LEVELS}

    lexicon_words = {
        w
        for _, p in named
        for seq in (p.left, p.right)
        if seq
        for e in seq
        for w in e.words | {x for ph in e.phrases for x in ph}
    }
    # The lemma table last: what it leaves behind is then all that its load leaves (see Words.keep_only).
    words = Words(language, spelling, keep=keep, lemmas=lemmas, clitics=clitics, verb_endings=verb_endings)
    words.add_targets(lexicon_words | {w for phrase in reading_words["glucose_words"] for w in phrase})
    words.known |= {w for phrases in reading_words.values() for phrase in phrases for w in phrase}
    words.keep_only(lexicon_words)
    return Lexicon(
        path=str(path),
        numbers=_numbers(s, top["numbers"]),
        language=language,
        words=words,
        matcher=Matcher(named, gap=s.whole(top["gap"], "gap", 1), near=s.whole(top["near"], "near", 1)),
        reading_words=index_words(reading_words),
        regexes=regexes,
        reasons=reasons,
        classifier_reasons=classifier_reasons,
        markers=markers,
        and_word=s.text(top["and_word"], "and_word"),
    )


def _numbers(s: Shape, raw) -> NumberWords:
    required = ("ones", "tens", "hundreds", "hundred", "point", "joiners", "decades")
    body = s.mapping(raw, "numbers", required, ("spoken_hundreds_from",))
    values = {}
    for key in ("ones", "tens", "hundreds"):
        table = s.mapping(body[key], f"numbers.{key}", optional=None)
        values[key] = {fold(str(w)): int(s.whole(v, f"numbers.{key}.{w}")) for w, v in table.items()}
    words = {
        key: tuple(fold(w) for w in s.strings(body[key], f"numbers.{key}", empty_ok=True))
        for key in ("hundred", "point", "joiners", "decades")
    }
    spoken = body.get("spoken_hundreds_from")
    spoken_from = 0 if spoken is None else int(s.whole(spoken, "numbers.spoken_hundreds_from"))
    return NumberWords(values["ones"], values["tens"], values["hundreds"], **words, spoken_hundreds_from=spoken_from)


def _join(patterns) -> Pattern:
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)
