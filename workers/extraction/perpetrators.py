"""Who did it and who claimed it: "The Taliban claimed responsibility", "no group has claimed".

A claim is a fact of its own, separate from the perpetrator police or officials name. "No group has
claimed responsibility" is recorded too (as `no_claim`), since it is news in itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.extraction.text import Sentence

# Armed groups newsrooms name often; the spaCy EntityRuler in `pipeline` also marks these as ORG.
KNOWN_GROUPS = (
    "Taliban", "Islamic State", "ISIS", "ISIL", "IS", "Daesh", "al-Qaeda", "al Qaeda", "Al-Qaeda", "al-Shabab",
    "al-Shabaab", "Boko Haram", "PKK", "Hamas", "Hezbollah", "Islamic Jihad", "Haqqani network",
    "Lashkar-e-Taiba", "Jaish-e-Mohammed", "Tehrik-i-Taliban", "Pakistani Taliban", "ETA", "IRA", "New IRA",
    "Houthis", "Houthi rebels", "Abu Sayyaf", "Jabhat al-Nusra", "Nusra Front", "Hayat Tahrir al-Sham",
    "Jemaah Islamiyah", "TAK", "Kurdistan Freedom Hawks",
)
_GROUP = "|".join(sorted((re.escape(g) for g in KNOWN_GROUPS), key=len, reverse=True))
_NAME = rf"(?:the\s+)?(?P<group>{_GROUP}|(?:[A-Z][\w'’-]+\s+){{0,4}}[A-Z][\w'’-]+)"
_CLAIM = re.compile(
    rf"{_NAME}(?:\s*\([^)]*\))?(?:\s+(?:group|militants?|fighters|insurgents|militia|movement|spokes(?:man|woman)"
    r"(?:\s+[A-Z][\w'’-]+){0,3}))?,?\s+(?:has\s+|have\s+|had\s+|later\s+|quickly\s+|swiftly\s+)?"
    r"(?:claimed|claims|claim|said\s+(?:it|they|its\s+\w+)\s+(?:carried\s+out|was\s+behind|were\s+behind|"
    r"had\s+carried\s+out|conducted|launched))\b",
)
_CLAIM_BY = re.compile(rf"\b(?:claimed|responsibility\s+was\s+claimed)\s+by\s+{_NAME}")
_NO_CLAIM = re.compile(
    r"\b(?:no(?:\s+\w+)?\s+(?:group|one|organi[sz]ation)|nobody|none)\s+(?:has\s+|had\s+|have\s+)?"
    r"(?:yet\s+|immediately\s+|so\s+far\s+)?(?:claimed|admitted)|"
    r"no\s+(?:immediate\s+)?claim\s+of\s+responsibility|has\s+not\s+(?:yet\s+)?been\s+claimed|"
    r"(?:not|no\s+one|nobody)\s+(?:yet\s+)?claimed\s+responsibility",
    re.IGNORECASE,
)
_PERPETRATOR = re.compile(
    rf"\b(?:carried\s+out\s+by|blamed\s+(?:the\s+attack\s+)?on|attributed\s+to)\s+{_NAME}",
)
KNOWN = re.compile(rf"\b(?:{_GROUP})\b")
_OWNING = re.compile(r"\b(?:claim\w*|responsib\w+|carried\s+out|said\s+(?:the|its|their|it)\s+"
                     r"(?:attack|bombing|assault|fighters|suicide)|retaliation|revenge|reprisal|in\s+response\s+to)\b",
                     re.IGNORECASE)
# Words that describe a group without naming it ("Militant group claims ..."): not a name.
_NOT_A_GROUP = re.compile(
    r"^(?:The|A|An|He|She|It|They|We|Police|Officials?|Authorities|Mr|Mrs|Ms|This|That|"
    r"(?:An?\s+)?(?:Militant|Islamist|Jihadist|Rebel|Armed|Terror|Terrorist|Extremist|Separatist|Insurgent|"
    r"Unknown|Little-known|Shadowy|Local|Another|Gunmen)s?)$")
# "The group, which calls itself the Coastal Freedom Brigade, said it carried out the attack."
_CALLS_ITSELF = re.compile(rf"\b(?:calls|called|calling)\s+itself\s+{_NAME}")


@dataclass(frozen=True)
class Responsibility:
    """Who an article says did it (`perpetrator`) and who owned it (`claimed_by`), with the sentence;
    `no_claim`: the article says nobody has claimed it. (Not resolution's `versions.Claim`, one
    report's figures.)"""

    claimed_by: str | None
    perpetrator: str | None
    no_claim: bool
    sentence: Sentence | None


def _clean(name: str | None) -> str | None:
    if not name:
        return None
    name = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
    if _NOT_A_GROUP.match(name):
        return None
    return name


def find_claims(sentences: list[Sentence]) -> Responsibility:
    """The first claim of responsibility in reading order, and any "no group has claimed"."""
    no_claim_sentence = None
    for sentence in sentences:
        text = sentence.text
        if _NO_CLAIM.search(text):
            no_claim_sentence = no_claim_sentence or sentence
            continue
        if not re.search(r"\bclaim|carried\s+out|behind\s+the|responsib", text, re.IGNORECASE):
            continue
        for pattern in (_CLAIM, _CLAIM_BY, _CALLS_ITSELF):
            found = pattern.search(text)
            if found and re.search(r"responsib|carried\s+out|behind|attack|bombing", text, re.IGNORECASE):
                group = _clean(found.group("group"))
                if group:
                    return Responsibility(group, group, False, sentence)
    for sentence in sentences:
        # "Taliban spokesman Zabihullah Mujahid said the attack was revenge for ...": a known group
        # owning the attack in its own words is a claim.
        group_found = KNOWN.search(sentence.text)
        if group_found and _OWNING.search(sentence.text) and not _NO_CLAIM.search(sentence.text):
            return Responsibility(group_found.group(0), group_found.group(0), False, sentence)
    for sentence in sentences:
        found = _PERPETRATOR.search(sentence.text)
        if found:
            group = _clean(found.group("group"))
            if group:
                return Responsibility(None, group, no_claim_sentence is not None, sentence)
    return Responsibility(None, None, no_claim_sentence is not None, no_claim_sentence)
