"""Who did it and who claimed it: "The Taliban claimed responsibility", "no group has claimed".

A claim is a fact of its own, separate from the perpetrator police or officials name, and it must
be a claim of THIS incident: a group named in background ("has been responsible for some of the
deadliest attacks"), a denial or a silence, or "claim" in another sense ("claimed 12 lives") is
none. "No group has claimed responsibility" is recorded too (as `no_claim`), since it is news in
itself. Every alias of a known group is reported under one name (lexicon/groups.toml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from workers.extraction import lexicon
from workers.extraction.text import Sentence


@cache
def _aliases() -> dict[str, str]:
    """Alias (lower case) -> the group's one name."""
    return {alias.lower(): name for name, aliases in lexicon.load("groups")["groups"].items() for alias in aliases}


KNOWN_GROUPS = tuple(sorted({alias for aliases in lexicon.load("groups")["groups"].values() for alias in aliases}))
_GROUP = "|".join(sorted((re.escape(g) for g in KNOWN_GROUPS), key=len, reverse=True))
KNOWN = re.compile(rf"\b(?:{_GROUP})\b")
_NAME = rf"(?:the\s+)?(?P<group>{_GROUP}|(?:[A-Z][\w'’-]+\s+){{0,4}}[A-Z][\w'’-]+)"
_CLAIM = re.compile(
    rf"{_NAME}(?:['’]s?\s+(?:\w+\s+){{0,2}}?(?:agency|outlet|channel|wing|statement))?(?:\s*\([^)]*\))?"
    r"(?:\s+(?:group|militants?|fighters|insurgents|militia|movement|spokes(?:man|woman|person)(?:\s+[A-Z][\w'’-]+){0,3}))?"
    r",?\s+(?:has\s+|have\s+|had\s+|later\s+|quickly\s+|swiftly\s+|also\s+|formally\s+|officially\s+)?"
    r"(?:claimed|claims|claim|took\s+responsibility|said\s+(?:it|they|its\s+\w+)\s+(?:had\s+)?(?:carried\s+out|was\s+behind|were\s+behind|"
    r"conducted|launched|staged|was\s+responsible|were\s+responsible))\b",
)
_CLAIM_BY = re.compile(rf"\b(?:claimed|responsibility\s+was\s+claimed|was\s+claimed)\s+by\s+{_NAME}")
# "The group, which calls itself the Coastal Freedom Brigade, said it carried out the attack."
_CALLS_ITSELF = re.compile(rf"\b(?:calls|called|calling)\s+itself\s+{_NAME}")
_PERPETRATOR = re.compile(rf"\b(?:carried\s+out\s+by|blamed\s+(?:the\s+\w+\s+)?on|attributed\s+to)\s+{_NAME}")
_OWNING = re.compile(r"\b(?:claim\w*|responsib\w+|carried\s+out|said\s+(?:the|its|their|it)\s+"
                     r"(?:attack|bombing|assault|fighters|suicide)|retaliation|revenge|reprisal|in\s+response\s+to)\b",
                     re.IGNORECASE)
_ABOUT_AN_ATTACK = re.compile(r"responsib|carried\s+out|behind|attack|bombing|blast|assault|shooting|killing|"
                              r"explosion|massacre|kidnapping|abduction|strike", re.IGNORECASE)
_CLAIM_WORD = re.compile(r"\bclaim|carried\s+out|behind\s+the|responsib", re.IGNORECASE)
_BACKGROUND = lexicon.compile_words(lexicon.load("groups")["claims"]["background"])
_NEGATED = lexicon.compile_words(lexicon.load("groups")["claims"]["negated"])
_OTHER_SENSE = lexicon.compile_words(lexicon.load("groups")["claims"]["other_senses"])
# Words that describe a group without naming it ("Militant group claims ..."): not a name.
_NOT_A_GROUP = re.compile(
    r"^(?:The|A|An|He|She|It|They|We|Police|Officials?|Authorities|Mr|Mrs|Ms|This|That|Nobody|No|None|"
    r"(?:An?\s+)?(?:Militant|Islamist|Jihadist|Rebel|Armed|Terror|Terrorist|Extremist|Separatist|Insurgent|"
    r"Unknown|Little-known|Shadowy|Local|Another|Gunmen)s?)$")


@dataclass(frozen=True)
class Responsibility:
    """Who an article says did it (`perpetrator`) and who owned it (`claimed_by`), with the sentence;
    `no_claim`: the article says nobody has claimed it. (Not resolution's `versions.Claim`, one
    report's figures.)"""

    claimed_by: str | None
    perpetrator: str | None
    no_claim: bool
    sentence: Sentence | None


def canonical(name: str) -> str:
    """One name per group: 'ISIS', 'ISIL', 'Daesh' -> 'Islamic State'."""
    return _aliases().get(name.lower(), name)


def _clean(name: str | None) -> str | None:
    if not name:
        return None
    name = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
    if _NOT_A_GROUP.match(name):
        return None
    return canonical(name)


def _claims_this(text: str, start: int) -> bool:
    """Does the claim found at `start` claim this incident, now? Not a group's record, not a
    denial, not "claimed 12 lives"."""
    clause = text[max(0, start - 40):start + 160]
    return not (_BACKGROUND.search(clause) or _NEGATED.search(clause) or _OTHER_SENSE.search(clause))


def find_claims(sentences: list[Sentence]) -> Responsibility:
    """The first claim of responsibility in reading order, and any "no group has claimed"."""
    no_claim_sentence = None
    for sentence in sentences:
        text = sentence.text
        if _NEGATED.search(text):
            no_claim_sentence = no_claim_sentence or sentence
            continue
        if not _CLAIM_WORD.search(text) or not _ABOUT_AN_ATTACK.search(text):
            continue
        for pattern in (_CLAIM, _CLAIM_BY, _CALLS_ITSELF):
            for found in pattern.finditer(text):
                group = _clean(found.group("group"))
                if group and _claims_this(text, found.start()):
                    return Responsibility(group, group, False, sentence)
    for sentence in sentences:
        # "Taliban spokesman Zabihullah Mujahid said the attack was revenge for ...": a known group
        # owning the attack in its own words is a claim.
        group_found = KNOWN.search(sentence.text)
        if (group_found and _OWNING.search(sentence.text) and not _NEGATED.search(sentence.text)
                and _claims_this(sentence.text, group_found.start())):
            group = canonical(group_found.group(0))
            return Responsibility(group, group, False, sentence)
    for sentence in sentences:
        named = _PERPETRATOR.search(sentence.text)
        if named and not _BACKGROUND.search(sentence.text):
            group = _clean(named.group("group"))
            if group:
                return Responsibility(None, group, no_claim_sentence is not None, sentence)
    return Responsibility(None, None, no_claim_sentence is not None, no_claim_sentence)
