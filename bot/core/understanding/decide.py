"""What a message asks: a topic (or two), a follow-up of the previous topic, a pump
question the materials do not answer, or what the classifier made of it.

The NLU classifier ranks; this decides. A topic is answered only when the
message is about it (an `about` pattern of the topic matches, or the escalation
detector found a question about doses, which is about doses), or when the
classifier is all but certain (rules.yml: classifier_alone, classifier_overrules).
The classifier's ranking orders the topics a message is about. A theme the materials do not
cover wins over a topic unless it yields to it. Follow-ups need the topic of the
family's previous message; "and after that" also works from a topic the message
names itself ("after the saline week, what's next").
"""

import functools
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

from bot.core.understanding.lexicon import Lexicon, Reading, load_lexicon
from bot.core.understanding.rules import GENERAL_THEME, Rules, load_rules

TOPIC_PREFIX = "ask_"
NOT_COVERED = "not_covered"
FALLBACK = "nlu_fallback"
DOSE_TOPIC = "dose_or_settings_advice"


@dataclass(frozen=True)
class Understanding:
    intent: str  # "ask_<topic>", "not_covered", or the classifier's own intent
    topics: Tuple[str, ...] = ()  # the topics to answer, in the order the message asks them
    theme: Optional[str] = None  # for not_covered
    how: str = "classifier"  # topic | two_topics | followup | not_covered | classifier


def topic_intent(topic: str) -> str:
    return TOPIC_PREFIX + topic


def understand(
    text: str,
    ranking: Sequence[Tuple[str, float]],
    previous: Optional[str] = None,
    dose_question: bool = False,
    language: str = "en",
) -> Understanding:
    """`ranking`: the classifier's (intent, confidence), best first; `previous`: the topic
    of the family's previous message, if recent; `dose_question`: the escalation
    detector found a question about doses or settings (without cause to escalate)."""
    return _understand(text or "", tuple(ranking), previous, dose_question, language)


@functools.lru_cache(maxsize=1024)
def _understand(
    text: str, ranking: Tuple[Tuple[str, float], ...], previous: Optional[str], dose_question: bool, language: str
) -> Understanding:
    rules, lex = load_rules(), load_lexicon(language)
    reading = lex.read(text)
    names = {name for name, _, _ in reading.hits}
    about = _about(reading)
    if dose_question:
        about.setdefault(DOSE_TOPIC, [0])
    if previous not in rules.topics:
        previous = None

    clause_of = _clauses(reading)
    asking = _asking_clauses(reading, clause_of, lex)
    followed = _followup(reading, names, about, previous, rules, lex, bool(asking))
    if followed and dose_question and followed != DOSE_TOPIC and followed == previous:
        # A dose asked for after the settings topic ("by how much do we change the ratio") is the dose
        # answer (the team sets doses), not the previous topic again.
        followed = DOSE_TOPIC
    if followed:
        return Understanding(topic_intent(followed), (followed,), how="followup")

    rank = {intent: i for i, (intent, _) in enumerate(ranking)}
    ordered = sorted(about, key=lambda t: (rank.get(topic_intent(t), len(rank)), about[t][0]))
    candidates = _narrower_first(ordered, rules)
    theme = None if dose_question else _theme(reading, candidates, about, clause_of, asking, rules)
    if theme:
        return Understanding(NOT_COVERED, theme=theme, how="not_covered")
    alone, overrules = rules.thresholds(language)
    sure = _classifier_sure(ranking, overrules if candidates else alone)
    if candidates:
        topics = _two_questions(candidates, about, clause_of, asking) if rules.max_topics > 1 else ()
        if topics:
            return Understanding(topic_intent(topics[0]), topics, how="two_topics")
        if not sure or sure in about:
            return Understanding(topic_intent(candidates[0]), (candidates[0],), how="topic")
    if sure:  # no topic's words, or another topic's: the classifier all but certain
        return Understanding(topic_intent(sure), (sure,), how="classifier")

    top = ranking[0][0] if ranking else FALLBACK
    if top.startswith(TOPIC_PREFIX) or top == FALLBACK or top == "out_of_scope":
        if "domain" in names:
            return Understanding(NOT_COVERED, theme=GENERAL_THEME, how="not_covered")
        if top.startswith(TOPIC_PREFIX):
            return Understanding(FALLBACK)  # a topic the message is not about
    return Understanding(top)


def _narrower_first(candidates: List[str], rules: Rules) -> List[str]:
    """A topic the message shows goes before a broader one it also shows (rules.yml `narrower`):
    shots during the saline week are asked inside the saline week, not about it."""
    out = list(candidates)
    for narrow, broader in rules.narrower.items():
        if narrow in out:
            before = [out.index(b) for b in broader if b in out and out.index(b) < out.index(narrow)]
            if before:
                out.remove(narrow)
                out.insert(min(before), narrow)
    return out


def _classifier_sure(ranking: Sequence[Tuple[str, float]], threshold: float) -> Optional[str]:
    """The classifier's first topic when it is at least this sure (rules.yml says why)."""
    if ranking and ranking[0][0].startswith(TOPIC_PREFIX) and ranking[0][1] >= threshold:
        return ranking[0][0][len(TOPIC_PREFIX) :]
    return None


def _about(reading: Reading) -> Dict[str, List[int]]:
    """Topic -> start tokens of its matches, first first."""
    found: Dict[str, List[int]] = {}
    for name, start, _ in sorted(reading.hits, key=lambda h: h[1]):
        if name.startswith("about:"):
            found.setdefault(name[len("about:") :], []).append(start)
    return found


def _theme(
    reading: Reading,
    candidates: Sequence[str],
    about: Dict[str, List[int]],
    clause_of: List[int],
    asking: Set[int],
    rules: Rules,
) -> Optional[str]:
    """The theme a question asks about, if it is not a covered topic's question.

    Only a theme in a clause that asks counts ("we hope to start before school
    lets out" does not ask about school); a covered topic asked in a clause of
    its own, without the theme, is answered; a theme yields to its `yields_to`.
    """
    topic_clauses = {clause_of[i] for t in candidates for i in about[t]}
    themes = [(start, name[len("theme:") :]) for name, start, _ in reading.hits if name.startswith("theme:")]
    asked = [(start, theme) for start, theme in themes if not asking or clause_of[start] in asking]
    if not asked:
        return None
    theme_clauses = {clause_of[start] for start, _ in asked}
    if (topic_clauses & asking) - theme_clauses:
        return None
    for _, theme in sorted(asked):
        if not set(rules.themes[theme].yields_to) & set(candidates):
            return theme
    return None


def _followup(
    reading: Reading,
    names: Set[str],
    about: Dict[str, List[int]],
    previous: Optional[str],
    rules: Rules,
    lex: Lexicon,
    asks: bool,
) -> Optional[str]:
    own = [t for t in about if t != previous]
    if previous and asks and "refers_back" in names and names & {"next", "previous"}:
        # "do we need to do anything before that": what to do around the previous topic, not the
        # step before it (the words that point back overlap the cue).
        back = [(s, e) for n, s, e in reading.hits if n == "refers_back"]
        cues = [(s, e) for n, s, e in reading.hits if n in ("next", "previous")]
        if any(bs < ce and cs < be for bs, be in back for cs, ce in cues):
            return previous
    if "after_step" in names and (previous or own):
        # "and once we have chosen?": the step after the one the cue names (or the previous topic),
        # unless the message asks about a topic of its own outside the cue ("... where do we get it").
        spans = [(s, e) for n, s, e in reading.hits if n == "after_step"]

        def in_cue(start: int) -> bool:
            return any(a <= start < b for a, b in spans)

        outside = [t for t in own if not all(in_cue(s) for s in about[t])]
        if outside:
            return outside[0]
        inside = [t for t in own if any(in_cue(s) for s in about[t])]
        for base in [*inside, previous]:
            moved = _along(base, 1, rules) if base else None
            if moved:
                return moved
    for cue, step in (("next", 1), ("previous", -1)):
        if cue in names:
            # A topic whose words start before the cue and run into it is that step ("we picked
            # one, now what": ordering), not one that only shares the cue's words ("what's the next step").
            cue_spans = [(s, e) for n, s, e in reading.hits if n == cue]
            cue_start = min(s for s, _ in cue_spans)
            for name, s, e in reading.hits:
                topic = name[len("about:") :]
                if topic in own and s < cue_start < e:
                    return topic
                # A topic named inside the cue ("what is the <topic> after that"): that topic,
                # the rest of the cue says when.
                if topic in own and any(cs < s and e <= ce for cs, ce in cue_spans):
                    return topic
            # The message names the step after the previous topic itself ("and then the insulin goes
            # in?" after the saline week): that step.
            following = _along(previous, step, rules) if previous else None
            if following in own:
                return following
            # From a topic the message names ("after the saline week"), else the previous one;
            # but a topic of its own off every sequence is the question, and the cue says when
            # ("will the settings change after that", "who sets the start date after that").
            for base in own:
                moved = _along(base, step, rules)
                if moved:
                    return moved
            asked = [
                t
                for t in own
                if t != DOSE_TOPIC  # who changes doses after a step: the step's question, not the dose topic
                and not any(  # nor a topic the cue's own words show (the "step" of a next-step cue)
                    n == f"about:{t}" and s < ce and cs < e for n, s, e in reading.hits for cs, ce in cue_spans
                )
            ]
            if asked:
                return asked[0]
            moved = _along(previous, step, rules) if previous else None
            if moved:
                return moved
    if previous is None or reading.words > lex.max_followup_words:
        return None
    ordinal = next((n[len("ord:") :] for n in sorted(names) if n.startswith("ord:")), None)
    # "and the 3rd one?", "the 4th one", "the 2nd one who runs it"
    bare = asks or _continues(reading, lex) or reading.words <= 3 or _has_question_word(reading, lex)
    if ordinal and bare and previous in rules.lists and not own:
        items = rules.lists[previous]
        index = -1 if ordinal == "last" else int(ordinal) - 1
        if -len(items) <= index < len(items):
            return items[index]  # "the third one" after a numbered list, asked or not ("and the 4th one")
    if not asks and not (reading.words <= 4 and _has_question_word(reading, lex)):
        return None  # a short one asks wherever its question word stands ("on which basis")
    if "refers_back" in names:
        # "who do i call with questions about that": the previous topic, whatever else the message
        # names; but a topic named in a part of its own before them, set off by a comma, is what
        # they point to ("and the supplies, who do we ask about that").
        back_at = min(s for n, s, _ in reading.hits if n == "refers_back")
        commas = [i for i, tok in enumerate(reading.tokens[:back_at]) if tok.text == ","]
        named = [(max(s for s in about[t] if s < back_at), t) for t in own if commas and about[t][0] < commas[-1]]
        return max(named)[1] if named else previous
    if previous in about and (not own or _continues(reading, lex) or "back" in names):
        return previous  # a short question that names the previous topic again, or points back
    if own or any(n.startswith("theme:") for n in names):
        return None
    if "back" in names or _continues_with_word(reading, lex):
        return previous  # "but not at home?": a short question carried on from the previous topic
    return None


def _has_question_word(reading: Reading, lex: Lexicon) -> bool:
    return any(t.is_word and t.text in lex.asking_anywhere for t in reading.tokens)


def _continues(reading: Reading, lex: Lexicon) -> bool:
    words = tuple(t.text for t in reading.tokens if t.is_word)
    return any(words[: len(c)] == c for c in lex.continuations)


def _continues_with_word(reading: Reading, lex: Lexicon) -> bool:
    """Carried on by one word ("so ...", "but ..."), not by one that brings a new subject (`new_subject`)."""
    words = [t.text for t in reading.tokens if t.is_word]
    return bool(words) and (words[0],) in lex.continuations and not lex.new_subject.intersection(words[1:2])


def _along(topic: str, step: int, rules: Rules) -> Optional[str]:
    for sequence in rules.sequences.values():
        if topic in sequence:
            i = sequence.index(topic) + step
            if 0 <= i < len(sequence):
                return sequence[i]
    return None


def _two_questions(
    candidates: Sequence[str], about: Dict[str, List[int]], clause_of: List[int], asking: Set[int]
) -> Tuple[str, ...]:
    """The two topics of a message that asks two questions, in the order asked; else ()."""
    first = candidates[0]
    first_clauses = {clause_of[i] for i in about[first]}
    for other in candidates[1:]:
        other_clauses = {clause_of[i] for i in about[other]}
        only_first, only_other = first_clauses - other_clauses, other_clauses - first_clauses
        if only_first & asking and only_other & asking:
            return tuple(sorted((first, other), key=lambda t: about[t][0]))
    return ()


def _clauses(reading: Reading) -> List[int]:
    """Clause number of each token: sentences, cut again at clause breaks ("also", "and how")."""
    breaks = {start for name, start, _ in reading.hits if name == "break"}
    clause, out, sentence = 0, [], 0
    for i, tok in enumerate(reading.tokens):
        if tok.sentence != sentence or i in breaks:
            clause += 1
            sentence = tok.sentence
        out.append(clause)
    return out


def _asking_clauses(reading: Reading, clause_of: List[int], lex: Lexicon) -> Set[int]:
    asking: Set[int] = set()
    starts: Dict[int, int] = {}
    after_comma: List[Tuple[int, int]] = []
    for i, c in enumerate(clause_of):
        starts.setdefault(c, i)
        if reading.tokens[i].text == "?":
            asking.add(c)
        elif reading.tokens[i].text == "," and i + 1 < len(clause_of):
            after_comma.append((c, i + 1))  # "the first one, what do we do"
    lead = {c[0] for c in lex.continuations if len(c) == 1}
    for c, i in [*starts.items(), *after_comma]:
        words = tuple(t.text for t in reading.tokens[i:] if t.is_word)
        while words and words[0] in lead:
            words = words[1:]  # "ok so who does that": the question after the words that continue
        words = words[:4]
        for phrase in lex.question_words:
            if any(words[k : k + len(phrase)] == phrase for k in range(min(2, len(words)))):
                asking.add(c)
    return asking
