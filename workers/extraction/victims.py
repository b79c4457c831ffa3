"""Victims described one by one, counted: "a 52-year-old man was shot ... he later died".

Local news rarely writes "1 killed". It introduces each victim ("a 31-year-old woman", "two men",
"Princess White"), says what happened to them ("was shot in the leg", "was pronounced dead"), and
refers back to them ("the victim", "he"). This module follows those mentions through the
incident's sentences: a new victim for each new description, the same one for a description or
pronoun that refers back, and for each the worst that happened (died beats wounded). Each victim
counts once, in one role: one who died is killed, not also injured.

The result is one more candidate for the figures (see `figures`), with its evidence sentence; the
figure ranker weighs it against the counts the article states.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from workers.extraction import lexicon
from workers.extraction.numbers import NUMBER, parse_number
from workers.extraction.text import Names, Sentence

_WORDS = lexicon.casualties()
_ELSEWHERE = lexicon.topic("elsewhere")
_AGE = r"(?:\d{1,3}|[a-z]+(?:-[a-z]+)?)[- ](?:year|month|week)s?[- ]old"
# "a 52-year-old man", "the victim", "an Akron woman", "a 14-year-old", "another man".
# "the passenger window", "a driver's license": the person noun qualifies a thing.
_NOT_A_PERSON = (r"window|seat|side|door|car|vehicle|area|street|home|house|lot|compartment|license|licence|group|"
                 r"center|centre|program|programme|services?|department|office|advocate|union|association")
_ONE = re.compile(
    rf"\b(?P<det>a|an|one|another|the|this|that|his|her|their)\s+(?:(?P<age>{_AGE})\s+)?(?:(?-i:[A-Z])[\w'’.-]*\s+){{0,3}}?"
    rf"(?:(?!(?:was|were|who|and)\b)[\w'’.-]+\s+){{0,2}}?(?P<noun>{_WORDS.person})\b(?![-'’]\w)(?!\s+(?:{_NOT_A_PERSON})\b)|"
    rf"\b(?P<det_age>a|an|another|the)\s+(?P<age_only>{_AGE})\b(?!\s+(?:{_WORDS.person})\b)",
    re.IGNORECASE,
)
# "two men", "three people", "2 teenagers", "both victims".
_GROUP = re.compile(
    rf"(?P<num>{NUMBER}|both)\s+(?:(?:{_AGE}|[\w'’-]+)\s+){{0,2}}?(?P<noun>{_WORDS.people})\b",
    re.IGNORECASE,
)
_BARE = re.compile(rf"^(?:[A-Z][\w'’-]*\s+){{0,2}}?(?P<noun>{_WORDS.person})\b", re.IGNORECASE)
# "left one woman dead and a second critically wounded": an ordinal standing for one more person.
_ELLIPTICAL = re.compile(r"\b(?:a|the)\s+(?P<n>second|third|fourth|fifth)\b(?!\s+(?:time|day|week|month|year|"
                         r"incident|shooting|attack|suspect|gunman|shooter|floor|round|shot|man|woman|person|victim|"
                         r"boy|girl|one|of|in|and))"
                         # "One man was killed and another wounded": "another" standing alone.
                         r"|\banother\b(?=\s+(?:\w+ly\s+)?(?:wounded|injured|hurt|killed|dead|"
                         r"taken\s+to|hospitali[sz]ed)\b)", re.IGNORECASE)
_ORDINAL = re.compile(r"\b\d+(?:st|nd|rd|th)\b")
_PRONOUN = re.compile(r"\b(?P<pron>he|she|they)\b", re.IGNORECASE)

# What happened to the person just named (the mention is its subject).
_BE = r"(?:was|were|is|are|has\s+been|have\s+been|had\s+been|being|been|got|gets|get)"
_ADV = (r"(?:(?:\w+ly|also|then|later|reportedly|allegedly|apparently|both|all|each|initially|previously)\s+|"
        r"(?:robbed|beaten|attacked|carjacked|assaulted|ambushed)\s+and\s+){0,2}")  # "was robbed and shot"
# Between a person and what happened to them: an apposition (", 63, of Croydon,"), a relative
# clause ("who fell into the well"), or a participle ("trapped down a well", "walking his dog").
_LEAD_IN = (r"^[\s\"'’)(]*(?:,[^,]{0,60}){0,2},?\s*(?:(?:who|that)\s+(?:[^.;,]{0,80}?\s+)??|"
            r"(?:[a-z]+(?:ed|ing)\b[^.;,]{0,60}?\s+)??|(?:(?:in|at|on|inside|outside|near)\s+[^.;,]{0,40}?\s+)??)?")
_SUBJECT_KILLED = re.compile(
    rf"{_LEAD_IN}(?:{_BE}\s+{_ADV}(?:shot\s+and\s+killed|shot\s+dead|shot\s+to\s+death|"
    rf"stabbed\s+to\s+death|beaten\s+to\s+death|killed|murdered|slain|beheaded|fatally\s+\w+|found\s+(?:shot\s+)?dead|"
    rf"found\s+shot\s+to\s+death|pronounced\s+dead|declared\s+dead|dead|deceased|killed)|"
    rf"(?:fatally\s+shot|shot\s+and\s+killed|killed)\s+(?:himself|herself|themselves)|took\s+(?:his|her|their)\s+own\s+li(?:fe|ves)|"
    rf"(?:killed|slain|shot\s+dead|shot\s+and\s+killed|stabbed\s+to\s+death|fatally\s+(?:shot|stabbed|wounded|struck|injured))"
    rf"\s+(?:in|when|during|by|on|at|after|as|while|inside|outside|near)\b|"
    rf"{_BE}\s+{_ADV}(?:shot|stabbed|wounded|hit|struck|injured|hurt)\b[^.;]{{0,80}}?\b(?:and|but)\s+(?:later\s+|then\s+)?"
    rf"(?:died|succumbed|was\s+pronounced\s+dead|did\s+not\s+survive)|"
    rf"{_ADV}(?:(?:has|have|had)\s+)?(?:died|dies|passed\s+away|succumbed|did\s+not\s+survive|didn.t\s+survive|lay\s+dead|was\s+dead))\b",
    re.IGNORECASE,
)
_SUBJECT_HARMED = re.compile(
    rf"{_LEAD_IN}(?:{_BE}\s+{_ADV}(?:shot|wounded|injured|hurt|hit|struck|grazed|stabbed|"
    rf"hospitali[sz]ed|(?:taken|transported|rushed)\s+(?:by\s+(?:ambulance|helicopter|medics|paramedics)\s+)?to|"
    rf"airlifted|flown\s+to|treated|listed\s+in|"
    rf"in\s+(?:stable|critical|serious|fair|good|grave)\s+condition|found\s+(?:with|suffering))|"
    rf"{_ADV}(?:suffered|sustained|suffering|had|with)\s+(?:\w+\s+){{0,3}}?(?:gunshot|stab|bullet|knife)\s+wounds?|"
    rf"{_ADV}(?:suffered|sustained)\s+(?:[\w-]+\s+){{0,3}}?(?:injur(?:y|ies)|wounds?)|"
    rf"{_ADV}(?:showed\s+up|arrived|walked\s+into|went|drove\s+(?:himself|herself|themselves))\s+(?:\w+\s+){{0,3}}?"
    rf"(?:hospital|medical\s+cent(?:er|re)|emergency\s+room)|"
    rf"{_ADV}(?:accidentally\s+)?shot\s+(?:himself|herself|themselves)|{_ADV}(?:is|was)\s+recovering|"
    rf"{_ADV}underwent\s+surgery|(?:wounded|injured|hurt)\s+(?:in|when|during|by|on|at|after|as|while)\b)\b",
    re.IGNORECASE,
)
# What was done to the person named next (the mention is its object): "fatally shot a man".
_AGED = r"(?:\s+(?:a\s+)?\d{1,3}-year-old)?"  # "found 54-year-old Michael Hinsch"
_OBJECT_KILLED = re.compile(
    r"\b(?:shot\s+and\s+killed|fatally\s+(?:shot|stabbed|wounded|struck)|killed|murdered|gunned\s+down|beheaded|"
    r"gunning\s+down|fatal\s+(?:shooting|stabbing|beating)\s+of|(?<!attempted\s)(?<!degree\s)murder\s+of|"
    rf"shot\s+dead|found\s+the\s+body\s+of|body\s+of|bodies\s+of|death\s+of|killing\s+of|slaying\s+of){_AGED}\s*$",
    re.IGNORECASE,
)
# "Thomas Hobson's body was found": the named person is dead.
_BODY_OF = re.compile(r"['’]s\s+(?:lifeless\s+|remains\s+and\s+)?(?:body|remains)\b", re.IGNORECASE)
_OBJECT_HARMED = re.compile(
    rf"\b(?:shot|wounded|injured|struck|hit|stabbed|shooting\s+of|found|left){_AGED}\s*$", re.IGNORECASE)
# After an object: "found Brian Freeman dead", "left a man dead", "shot a man in the leg".
_AFTER_OBJECT_KILLED = re.compile(
    r"^\s*(?:,[^,]{0,40},\s*)?(?:dead|lying\s+dead|(?:shot\s+)?to\s+death|unresponsive\s+and\s+dead)\b", re.IGNORECASE)
_AFTER_OBJECT_HARMED = re.compile(
    r"^\s*(?:,[^,]{0,40},\s*)?(?:(?:\w+\s+){0,3}?(?:suffering|with|who\s+had\s+been\s+shot)\s+(?:\w+\s+){0,4}?"
    r"(?:gunshot|stab|bullet)\s+wounds?|in\s+the\s+\w+|multiple\s+times|(?:once|twice|\w+\s+times)\b|"
    r"in\s+(?:critical|serious|stable)\s+condition)",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:not|never|no|nobody|unharmed|uninjured|unhurt|escaped)\b", re.IGNORECASE)
# "two people were shot, one fatally" / "one of them died" / "both died": deaths within a group.
_WITHIN_GROUP_KILLED = re.compile(
    rf"\b(?P<k>{NUMBER}|both|all)\s+(?:of\s+(?:them|whom|the\s+\w+)\s+)?(?:fatally|died|dies|have\s+died|were\s+killed|"
    r"was\s+killed|were\s+pronounced\s+dead|was\s+pronounced\s+dead|later\s+died)\b",
    re.IGNORECASE,
)
_MALE = re.compile(r"\b(?:man|boy|male|father|son|husband|brother|grandfather|boyfriend|he|him|policeman|gunman)\b",
                   re.IGNORECASE)
_FEMALE = re.compile(r"\b(?:woman|girl|female|mother|daughter|wife|sister|grandmother|girlfriend|she|her)\b",
                     re.IGNORECASE)
_NAME_CLAUSE_END = re.compile(r"[;:]|\.\s|\s[-–—]{1,2}\s|\s+but\s+|\s+while\s+")
# "... a man who had been shot twice and a dog that had been killed": another subject ends the clause.
_CLAUSE_END = re.compile(r"[;:]|\.\s|,\s+(?:and|but|while|police|officers|according)\b|\s+but\s+|\s+while\s+|"
                         r"\s+and\s+(?:a|an|the|his|her|their|another)\s+(?!(?:\w+\s+)?(?:killed|dead|died)\b)")


@dataclass
class Victim:
    count: int = 1
    killed: int = 0                 # how many of them died
    gender: str | None = None       # "m", "f" or None
    age: str | None = None
    name: str | None = None
    sentences: list[Sentence] = field(default_factory=list)
    described: int = 0              # members of a group told of one by one so far
    dead_members: set[str] = field(default_factory=set)  # a group's members told of as dead, by name or phrase
    phrases: set[str] = field(default_factory=set)       # how the text has referred to them ("his girlfriend")


@dataclass(frozen=True)
class VictimCount:
    killed: int
    injured: int
    victims: int                       # distinct victims followed
    killed_sentence: Sentence | None
    injured_sentence: Sentence | None
    names: tuple[str, ...] = ()        # the victims the article names
    sentences: tuple[Sentence, ...] = ()  # every sentence telling what happened to a victim


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    kind: str                 # "one" (indefinite), "the" (definite), "group", "pronoun", "name"
    count: int = 1
    definite: bool = False    # "both victims", "the two men": people already told of
    gender: str | None = None
    age: str | None = None
    name: str | None = None
    text: str = ""


def _gender(text: str) -> str | None:
    if _FEMALE.search(text):
        return "f"
    if _MALE.search(text):
        return "m"
    return None


def mentions(sentence: Sentence, names: Sequence[tuple[int, int]]) -> list[_Mention]:
    text = sentence.text
    found: list[_Mention] = []

    def free(a: int, b: int) -> bool:
        return not any(m.start < b and a < m.end for m in found)

    for start, end in names:
        a, b = start - sentence.start, end - sentence.start
        if 0 <= a < b <= len(text):
            found.append(_Mention(a, b, "name", name=" ".join(text[a:b].split()), text=text[a:b]))
    for match in _GROUP.finditer(text):
        num = match.group("num").lower()
        quantity = parse_number(num) if num != "both" else None
        count = 2 if num == "both" else quantity.value if quantity and not quantity.vague else 0
        if count > 1 and count < 200 and free(*match.span()):
            definite = num == "both" or bool(re.search(r"\b(?:the|all|these|those)\s+$", text[:match.start()], re.I))
            found.append(_Mention(match.start(), match.end(), "group", count=count, definite=definite,
                                  text=match.group(0)))
    for match in _ONE.finditer(text):
        if not free(*match.span()) or _ORDINAL.search(match.group(0)):
            continue  # "a 12th victim" counts a running total, not one more person here
        det = (match.group("det") or match.group("det_age") or "").lower()
        kind = "one" if det in ("a", "an", "one", "another") else "the"
        age = match.group("age") or match.group("age_only")
        noun = match.group("noun") or ""
        found.append(_Mention(match.start(), match.end(), "another" if det == "another" else kind,
                              gender=_gender(noun), age=(age or "").split("-")[0].lower() or None, text=match.group(0)))
    for match in _ELLIPTICAL.finditer(text):
        if free(*match.span()):
            found.append(_Mention(match.start(), match.end(), "another", text=match.group(0)))
    if sentence.source == "title":
        # Headlines drop the article: "Teen shot dead in park", "Chinese boy found dead in well".
        bare = _BARE.match(text)
        if bare and free(*bare.span("noun")):
            found.append(_Mention(bare.start("noun"), bare.end("noun"), "one", gender=_gender(bare.group("noun")),
                                  text=bare.group("noun")))
    for match in _PRONOUN.finditer(text):
        if free(*match.span()):
            pron = match.group("pron").lower()
            found.append(_Mention(match.start(), match.end(), "pronoun", count=0 if pron == "they" else 1,
                                  gender={"he": "m", "she": "f"}.get(pron), text=match.group(0)))
    return sorted(found, key=lambda m: m.start)


def state_of(text: str, mention: _Mention) -> str | None:
    """'killed', 'harmed' or None: what the sentence says happened to this person."""
    after = text[mention.end:mention.end + 160]
    # A name's clause runs through its appositions ("A, 62, and B, 63, died"), not past a dateline dash.
    clause = (_CLAUSE_END if mention.kind != "name" else _NAME_CLAUSE_END).split(after, maxsplit=1)[0]
    before = text[max(0, mention.start - 60):mention.start]
    negated_before = bool(re.search(r"\b(?:not|no|never)\s+\w*\s*$", before, re.IGNORECASE))
    # (A negated predicate, "was not hurt", does not match the patterns: no check needed after.)
    if _SUBJECT_KILLED.search(clause) or (mention.kind == "name" and _BODY_OF.match(after)):
        return "killed"
    if mention.kind == "another" and not mention.gender:
        # "one woman dead and a second critically wounded": the ordinal's predicate has no verb.
        elliptical = re.match(r"\s*(?:\w+ly\s+)?(?P<state>dead|killed|wounded|injured|hurt|taken\s+to|"
                              r"hospitali[sz]ed)\b", clause, re.IGNORECASE)
        if elliptical:
            return "killed" if elliptical.group("state").lower() in ("dead", "killed") else "harmed"
    if _OBJECT_KILLED.search(before) and not negated_before:
        return "killed"
    object_of = _OBJECT_HARMED.search(before)
    if object_of and not negated_before:
        if _AFTER_OBJECT_KILLED.search(after):
            return "killed"
        # "found a man" / "left a woman" say nothing yet: what the clause goes on to say decides.
        if not re.match(r"(?:found|left)\b", object_of.group(0), re.IGNORECASE) or _AFTER_OBJECT_HARMED.search(after):
            return "harmed"
    if _SUBJECT_HARMED.search(clause):
        return "harmed"
    return None


_LISTABLE = ("name", "the", "one")
_NOT_THE_SAME = re.compile(r"\b(?:other|others|more|additional|further|new)\b", re.IGNORECASE)
_MEMBER_KINDS = ("name", "one", "another")  # a single person, told of anew
_MEMBER = re.compile(r"\b(?:including|among\s+them|among\s+whom|of\s+whom|among\s+the\s+\w+\s+(?:was|were))\s*$", re.I)
_IDENTIFIED = re.compile(r"\b(?:identified\s+(?:him|her|the\s+\w+\s+)?as|named\s+as|victim(?:\s+was)?,?)\s*"
                         r"(?:\d+-year-old\s+)?$", re.IGNORECASE)
# What may stand between people listed together: ages, hometowns, "and", "his wife,".
_LIST_GAP = re.compile(r"[\s,]*(?:\d{1,3}[\s,]*)?(?:(?:of|from)\s+[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*[\s,]*)?"
                       r"(?:both\s+)?(?:and\s+)?(?:(?:his|her|their)\s+\w+[\s,]*)?")


@lru_cache(maxsize=8192)
def read_sentence(sentence: Sentence, names: tuple[tuple[int, int], ...] = ()) -> tuple[
        tuple[_Mention, ...], tuple[str | None, ...]]:
    """The sentence's mentions of people and what it says happened to each (state_of), read once:
    segmentation and counting ask about the same sentences."""
    found = mentions(sentence, names)
    return tuple(found), tuple(state_of(sentence.text, m) for m in found)


def _states(text: str, found: Sequence[_Mention], own: Sequence[str | None]) -> list[str | None]:
    """Each mention's state (`own`: state_of each); named people listed together share the list's
    predicate ("A, 62, B, 52, and C, 63, died in the accident")."""
    states = list(own)
    listed = [n + 1 < len(found) and found[n].kind in _LISTABLE and found[n + 1].kind in _LISTABLE
              and bool(_LIST_GAP.fullmatch(text[found[n].end:found[n + 1].start])) for n in range(len(found))]
    for n in range(len(found) - 2, -1, -1):  # "A, 62, and B, 63, died": the predicate comes last
        if states[n] is None and states[n + 1] and listed[n]:
            states[n] = states[n + 1]
    for n in range(len(found) - 1):  # "the bodies of A, 55, and his wife, B, 65"
        if states[n] and states[n + 1] is None and listed[n]:
            states[n + 1] = states[n]
    return states


def _compatible(victim: Victim, mention: _Mention) -> bool:
    if mention.gender and victim.gender and mention.gender != victim.gender:
        return False
    return not (mention.age and victim.age and mention.age != victim.age)


def _surnames(name: str) -> tuple[str, ...]:
    """What a surname alone may be: "Kyle Brown-Edwards" -> brown-edwards, edwards, brown."""
    last = name.split()[-1].lower()
    return (last, *last.split("-")) if "-" in last else (last,)


def _refer(victims: list[Victim], mention: _Mention, sentence: Sentence, state: str | None = None) -> Victim | None:
    """The victim a mention refers back to, if any."""
    if mention.kind == "name":
        # "Princess White ... White was pronounced dead": a full name, or a surname alone.
        for victim in reversed(victims):
            if victim.name and mention.name and (victim.name.lower() == mention.name.lower() or (
                    " " not in mention.name and mention.name.lower() in _surnames(victim.name)) or (
                    " " not in victim.name and victim.name.lower() in _surnames(mention.name))):
                return victim
        unnamed = [v for v in victims if v.name is None and v.count == 1]
        if len(unnamed) == 1:
            return unnamed[0]
        same = [v for v in unnamed if bool(v.killed) == (state == "killed")]
        if len(same) == 1:
            return same[0]
        if not unnamed:
            for group in (v for v in victims if v.count > 1):
                if group.described < group.count and group.sentences and group.sentences[0] is not sentence:
                    group.described += 1  # "Two men were shot ... Deshawn Ward was pronounced dead"
                    return group
        return None
    if mention.kind == "group":
        for victim in reversed(victims):
            if victim.count == mention.count:
                return victim
        if mention.definite and victims and sum(v.count for v in victims) >= mention.count:
            return victims[0]  # "both victims were shot in the head": the two already named
        if state is not None and mention.definite and victims and not _NOT_THE_SAME.search(mention.text):
            # "a man dead ... the two victims had been shot": the group holds those already told of.
            named = [v.name for v in victims if v.name]
            group = Victim(count=mention.count, killed=min(mention.count, sum(v.killed for v in victims)),
                           name=named[0] if len(named) == 1 else None,  # kept for telling incidents apart
                           sentences=[s for v in victims for s in v.sentences],
                           described=sum(v.count for v in victims))
            victims[:] = [group]
            return group
        return None
    groups = [v for v in victims if v.count > 1]
    if mention.kind == "another":
        for group in groups:
            if group.described < group.count and group.sentences and group.sentences[0] is not sentence:
                group.described += 1
                return group
        return None
    if mention.kind == "one":
        # "A teenager was shot ... an individual being shot": a later sentence describing someone
        # anew is mostly the same person; one more victim is introduced as "another", "a second",
        # by a different age or sex, or beside the first in one sentence.
        for victim in reversed(victims):
            if victim.count == 1 and _compatible(victim, mention) and victim.sentences \
                    and victim.sentences[0] is not sentence:
                return victim
        for group in groups:
            if group.described < group.count and group.sentences and group.sentences[0] is not sentence:
                group.described += 1  # "Two men were shot ... A man was shot on Myrtle Ave.": one of the two
                return group
        return None
    if mention.kind == "pronoun" and mention.count == 0:  # "they"
        return groups[-1] if groups else None
    # "One man was killed and another wounded ... He died at a hospital": a death told again is
    # mostly the one already told, not the survivor's.
    ordered = sorted(reversed(victims), key=lambda v: not v.killed) if state == "killed" else list(reversed(victims))
    for victim in ordered:
        if victim.count == 1 and _compatible(victim, mention) and (mention.text.lower() in victim.phrases or not (
                mention.kind == "the" and victim.sentences and victim.sentences[0] is sentence)):
            # ("Mark Hale and his wife died": a description beside a person is another one, unless
            # it is the very phrase already said of them: "the murder of his girlfriend ... his girlfriend")
            return victim
    return groups[-1] if groups else None  # "two people were shot ... he was taken to hospital"


def count_victims(sentences: Iterable[Sentence],
                  names: Names | None = None) -> VictimCount:
    """Follow the victims through the sentences; `names` gives each sentence's PERSON spans
    (source offsets) by (source, index)."""
    victims: list[Victim] = []
    killed_sentence: Sentence | None = None
    injured_sentence: Sentence | None = None
    seen: list[str] = []
    told: dict[Sentence, None] = {}
    for sentence in sentences:
        said = " ".join(sentence.text.split()).lower()
        if len(said) >= 60 and any(fuzz.ratio(said, other) >= 97 for other in seen):
            # A lead or caption printed twice (or barely reworded) tells of the same people once.
            # (Short sentences differ in a word that matters: "he died" / "she died".)
            continue
        seen.append(said)
        spans = (names or {}).get((sentence.source, sentence.index), [])
        found, own = read_sentence(sentence, tuple(spans))
        for mention, state in zip(found, _states(sentence.text, found, own), strict=True):
            if _ELSEWHERE.search(sentence.text[max(0, mention.start - 80):mention.start]):
                continue  # "the deadliest since 2015, when 30 people died": another incident's victims
            if _MEMBER.search(sentence.text[max(0, mention.start - 30):mention.start]) and victims:
                continue  # "three people, including a 79-year-old woman": one of those already counted
            victim = _refer(victims, mention, sentence, state)
            if state is None:
                if (victim is not None and mention.kind == "name" and victim.name is None
                        and _IDENTIFIED.search(sentence.text[max(0, mention.start - 40):mention.start])):
                    victim.name = mention.name  # "the victim was identified as Aaron Johnson"
                continue
            if victim is None:
                if mention.kind == "pronoun" and mention.count == 0:
                    continue  # "they" with no group to refer to: the police, a family, anyone
                victim = Victim(count=max(1, mention.count), gender=mention.gender, age=mention.age, name=mention.name)
                victims.append(victim)
            elif mention.name and victim.name is None:
                victim.name = mention.name
            victim.sentences.append(sentence)
            victim.phrases.add(mention.text.lower())
            told[sentence] = None
            if state == "killed":
                if victim.count > 1 and mention.kind in _MEMBER_KINDS:
                    # "Two men were shot ... Deshawn Ward was pronounced dead": one of them died.
                    # once per person: "Deshawn Ward" and later "Ward" are one (as _refer matches names)
                    member = set(_surnames(mention.name)) if mention.name else {mention.text.lower()}
                    if not member & victim.dead_members:
                        victim.dead_members |= member
                        victim.killed = min(victim.count, victim.killed + 1)
                elif victim.count > 1 and mention.kind != "group" and not (mention.kind == "pronoun"
                                                                            and mention.count == 0):
                    victim.killed = max(victim.killed, 1)  # "the man died": one of them, at least
                else:
                    victim.killed = victim.count
                killed_sentence = killed_sentence or sentence
            else:
                injured_sentence = injured_sentence or sentence
                if victim.count > 1:
                    within = _WITHIN_GROUP_KILLED.search(sentence.text[mention.end:])
                    if within:
                        word = within.group("k").lower()
                        number = parse_number(word) if word not in ("both", "all") else None
                        dead = victim.count if word in ("both", "all") else number.value if number else 0
                        victim.killed = max(victim.killed, min(dead, victim.count))
                        killed_sentence = killed_sentence or sentence
    killed = sum(v.killed for v in victims)
    injured = sum(v.count - v.killed for v in victims)
    named = tuple(dict.fromkeys(v.name for v in victims if v.name))
    return VictimCount(killed, injured, len(victims), killed_sentence, injured_sentence, named, tuple(told))
