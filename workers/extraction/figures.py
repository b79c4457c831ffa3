"""Killed and injured figures, each with the sentence it came from.

Every casualty phrase in the article becomes a `Figure` candidate; `choose` then picks the one
the article gives as its current headline figure. Candidates that are not this incident's total
are kept out: a sub-group ("including 5 Americans", "two of the dead"), a figure for another
incident mentioned in passing ("a strike last year which killed ten"), and negations.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from workers.extraction import lexicon
from workers.extraction.learned import Candidate, Ranker
from workers.extraction.numbers import NUMBER, Quantity, parse_number
from workers.extraction.text import Sentence
from workers.extraction.victims import VictimCount

_WORDS = lexicon.casualties()
_KILLED = _WORDS.killed
_INJURED = _WORDS.injured
# Being shot says someone was hit, not that they died: an injury unless "dead" follows.
_SHOT = r"shot(?!\s+dead|\s+to\s+death)"
_AUX = (r"(?:were|was|are|is|have|has|had|been|being|be|reported|confirmed|feared|believed|thought|said|to|now|"
        r"also|later|all|so\s+far)")
_STOP = (
    r"and|or|but|while|after|before|as|when|which|who|that|said|says|not|never|no|if|of|"
    r"killed|dead|died|injured|wounded|hurt|in|on|at|from|during|by|with"
)
_GAP = rf"(?:(?!(?:{_STOP})\b)[A-Za-z][\w'’-]*)"
_PEOPLE = f"(?:{_WORDS.people})"

# "At least seven people were killed", "103 people have been reported dead", "Six men and one
# woman died", "more than 50 taken to hospital", "Seven dead and 50 injured".
_SUBJECT = re.compile(
    rf"(?P<num>{NUMBER})"
    rf"(?:\s+of(?=\s+(?:[\w-]+\s+)?{_PEOPLE}))?"              # "dozens of people"
    r"(?:\s+passengers\s+and\s+crew)?"
    rf"(?P<plus>\s+{_PEOPLE}\s+and\s+(?:{NUMBER}))?"            # "six men and one woman"
    rf"(?P<gap>(?:\s+{_GAP}){{0,4}}?)"                            # "people", "more passengers"
    r"(?:,[^,.;]{1,40},)?"                                        # ", including children,"
    r"(?:\s+(?:who|that))?"
    rf"(?:\s+(?:{_AUX}|known|presumed|understood|confirmed)){{0,5}}\s+"
    rf"(?:(?P<killed>{_KILLED})|(?P<injured>{_INJURED})|(?P<shot>{_SHOT}))\b",
    re.IGNORECASE,
)
# "killing at least four", "which left seven dead", "wounding 90", "claimed the lives of 12".
_OBJECT = re.compile(
    r"\b(?P<verb>killing|killed|kills|kill|wounding|wounded|injuring|injured|hurting|leaving|left|"
    r"deaths\s+of|bodies\s+of|"
    r"claimed\s+the\s+lives\s+of|claiming\s+the\s+lives\s+of|took\s+the\s+lives\s+of|taking\s+the\s+lives\s+of)"
    r"\s+(?:(?:another|a\s+further|an\s+additional|a\s+total\s+of|all|all\s+of\s+the)\s+)?"
    rf"(?P<num>{NUMBER})(?P<tail>(?:\s+{_GAP}){{0,3}}?\s+(?P<state>dead|injured|wounded|hurt)\b)?",
    re.IGNORECASE,
)
# "The floods have claimed at least 12 lives", "the crash cost 40 lives".
_LIVES = re.compile(rf"\b(?:claimed|claiming|claims|claim|cost|costing|took|taking)\s+(?P<num>{NUMBER})\s+lives\b",
                    re.IGNORECASE)
# "The death toll rose to at least six", "the number of injured reached 188".
_TOLL = re.compile(
    r"\b(?P<what>death\s+toll|toll(?!-free)|number\s+of\s+(?:the\s+)?(?:dead|deaths|people\s+killed|fatalities|victims|"
    r"injured|wounded|people\s+injured|injuries)|injury\s+toll|casualty\s+toll)"
    r"(?P<mid>[^.;:]{0,120}?)\b(?:to|at|of|is|was|reached|hit|stands|stood)\s+"
    rf"(?P<num>{NUMBER})",
    re.IGNORECASE,
)
_UPDATE = re.compile(r"\b(?:rose|risen|rises|rising|climbed|jumped|increased|reached|grew|mounted|hit|now)\b", re.I)
_DOWN = re.compile(r"\b(?:revised|lowered|fell|dropped|cut|reduced|corrected)\b", re.I)
# A sub-group of the victims, not the total.
_SUBGROUP_BEFORE = re.compile(
    r"(?:\bincluding|\bincluded|\bincludes|\bamong\s+them|\bof\s+whom|\bof\s+them|\bof\s+those|\bamong\s+those|"
    r"\bthese\s+include|\bsuch\s+as|\bplus)\s*$",
    re.IGNORECASE,
)
_PARTITIVE_AFTER = re.compile(r"^\s+of\s+(?:the|those|them|whom|these|his|her|their|its)\b", re.IGNORECASE)
_NOT_A_COUNT_BEFORE = re.compile(
    r"(?:\baged?|\bno\.|\bnumber|\broute|\bflight|\bpage|\barticle|\bsection|\broom|\bplatform|\bgate|\bunit|"
    r"\bhouse|\bbus|\btrain|\bimage|\bphoto|[$£€#/])\s*$",  # "Image 1 of / 13": a gallery's counter
    re.IGNORECASE,
)
# Sentences about another time or another incident ("last year", "in a separate attack").
ELSEWHERE = lexicon.topic("elsewhere")
_ATTRIBUTION = re.compile(
    r"\baccording\s+to\s+(?P<a>[^,.;]{2,60})|"
    r"(?P<b>(?:the\s+)?(?:[A-Z][\w'’.-]*\s+){0,4}(?:police|officials?|ministry|authorities|spokes(?:man|woman|person)|"
    r"service|agency|[A-Z][\w'’.-]*))\s+(?:said|says|reported|confirmed|told)\b",
)


@dataclass(frozen=True)
class Figure:
    """One casualty figure the article states, with where it says it."""

    field: str                      # "killed" or "injured"
    quantity: Quantity
    sentence: Sentence
    start: int                      # offsets of the phrase within the source text
    end: int
    update: str | None = None       # "up" for "rose to", "down" for "revised down to"
    weak: bool = False              # "shot" (injured unless said otherwise), a single unnamed victim
    excluded: str | None = None     # why it is not this incident's total
    relative_to: str | None = None  # the noun a "which killed ten" clause hangs on
    kind: str = "subject"           # toll, lives, object, subject, or victims (counted one by one)

    @property
    def value(self) -> int:
        return self.quantity.value

    @property
    def attribution(self) -> str | None:
        found = _ATTRIBUTION.search(self.sentence.text)
        if not found:
            return None
        return " ".join((found.group("a") or found.group("b") or "").split()) or None


_YEAR = re.compile(r"(?:19|20)\d\d")
_COUNTS_WOUNDS = re.compile(r"(?:gunshot\s+|stab\s+|bullet\s+)?(?:wounds?|injur(?:y|ies))", re.IGNORECASE)
_PEOPLE_AFTER = re.compile(rf"\s+(?:{_WORDS.people})\b", re.IGNORECASE)


# Words that put a harm still to come, right before its verb: a threat, a plan, a warning ("vowed
# to kill", "threatened on Sunday to behead", "could kill").
_INTENT = r"threat\w*|vow\w*|warn\w*|plot\w*|plan\w*|intend\w*|tr(?:y|ied|ies)|attempt\w*"
THREAT = re.compile(rf"\b(?:{_INTENT}|demand\w*|unless|aim\w*)\s+(?:\w+\s+){{0,3}}?to\s+(?:\w+\s+)?$|"
                    r"\b(?:could|would|might|may|will)\s+(?:\w+\s+)?$", re.IGNORECASE)
# The same before a count that follows its verb: "threatened to kill two drivers"
_THREAT_BEFORE_COUNT = re.compile(rf"\b(?:{_INTENT})\s+(?:\w+\s+){{0,3}}?to\s+\w+\s+"
                                  r"(?:(?:the|all|at\s+least|another|up\s+to)\s+)?$", re.IGNORECASE)
# "two officers shot at the car": who fired, not who was hit
_SHOT_AT_AFTER = re.compile(r"\s+(?:[\w'’-]+\s+){0,5}?shot\s+at\b", re.IGNORECASE)


_CALLS = re.compile(r"\b(?:call\w*|dial\w*|to)\s*$", re.IGNORECASE)
_CALL_AFTER = re.compile(r"\s*(?:calls?|dispatch\w*|operators?|cent(?:er|re))\b", re.IGNORECASE)


def _excluded(sentence: Sentence, local_start: int, local_end: int) -> str | None:
    before = sentence.text[max(0, local_start - 25):local_start]
    after = sentence.text[local_end:local_end + 20]
    if _SUBGROUP_BEFORE.search(before):
        return "subgroup"
    if before.rstrip().endswith(",") and after.startswith(","):
        return "age"  # "Mark Hale, 63, died": an age in apposition, not a count
    if _YEAR.fullmatch(sentence.text[local_start:local_end]) and not _PEOPLE_AFTER.match(after):
        return "year"  # "the 2015 shooting death of ...": a year, not 2,015 dead
    if _NOT_A_COUNT_BEFORE.search(before):
        return "not_a_count"
    if sentence.text[local_start:local_end] == "911" and (_CALLS.search(before) or _CALL_AFTER.match(after)):
        return "not_a_count"  # "kept calling 911 saying her nephew had been injured"
    if _SHOT_AT_AFTER.match(sentence.text[local_end:local_end + 70]):
        return "not_a_count"
    if _THREAT_BEFORE_COUNT.search(sentence.text[max(0, local_start - 60):local_start]):
        return "threat"  # "threatened to kill two hostages": nobody is dead yet
    # In the lead the main event is named too ("killing 50 in the deadliest attack since 2015"): there
    # only words just before the figure move it elsewhere ("since 2015, when 30 died").
    lead = sentence.source == "title" or sentence.index < 2
    context = sentence.text[max(0, local_start - 80):local_end] if lead else sentence.text
    if ELSEWHERE.search(context):
        return "elsewhere"
    if re.search(r"\b(?:not|never|no|none|nobody|without)\b\s*$", before, re.I):
        return "negated"
    return None


def _relative_noun(sentence: Sentence, local_start: int) -> str | None:
    """For "a strike in Aleppo which killed ten", the words before "which": the event it names."""
    head = sentence.text[:local_start]
    found = re.search(r"([\w\s,'’-]{0,60}?)\b(?:which|that)\s+(?:had\s+|has\s+)?$", head, re.IGNORECASE)
    return found.group(1).strip().lower() if found else None


def find_figures(sentences: Iterable[Sentence]) -> list[Figure]:
    """Every killed/injured candidate in reading order, exclusions marked rather than dropped."""
    figures: list[Figure] = []
    for sentence in sentences:
        text = sentence.text
        taken: list[tuple[int, int]] = []

        def add(field: str, quantity: Quantity | None, start: int, end: int, *, update: str | None = None,
                weak: bool = False, num_span: tuple[int, int] | None = None, kind: str = "subject",
                relative: str | None = None, sentence: Sentence = sentence,
                taken: list[tuple[int, int]] = taken) -> None:
            if quantity is None or quantity.value <= 0 or quantity.value > 1_000_000:
                return
            span = num_span or (start, end)
            if any(span[0] < b and a < span[1] for a, b in taken):
                return
            taken.append(span)
            # A "which killed ten" clause (`relative`) is judged later, against the main event's type.
            excluded = _excluded(sentence, span[0], span[1])
            figures.append(Figure(field, quantity, sentence, sentence.start + start, sentence.start + end,
                                  update, weak, excluded, relative, kind))

        for found in _TOLL.finditer(text):
            field = "injured" if re.search(r"injur|wound", found.group("what"), re.I) else "killed"
            mid = found.group("mid") or ""
            update = "down" if _DOWN.search(mid) else "up" if _UPDATE.search(mid) else None
            add(field, parse_number(found.group("num")), found.start(), found.end(), update=update,
                num_span=found.span("num"), kind="toll")
        for found in _LIVES.finditer(text):
            add("killed", parse_number(found.group("num")), found.start(), found.end(), num_span=found.span("num"),
                kind="lives")
        for found in _OBJECT.finditer(text):
            verb = found.group("verb").lower()
            state = (found.group("state") or "").lower()
            if verb in ("leaving", "left"):
                if not state:
                    continue
                field = "killed" if state == "dead" else "injured"
            elif verb.startswith(("wound", "injur", "hurt")):
                field = "injured"
            else:
                field = "killed"
            if _PARTITIVE_AFTER.match(text[found.end("num"):]):
                continue
            add(field, parse_number(found.group("num")), found.start(), found.end(),
                num_span=found.span("num"), relative=_relative_noun(sentence, found.start()), kind="object")
        for found in _SUBJECT.finditer(text):
            if _PARTITIVE_AFTER.match(text[found.end("num"):]):
                continue
            quantity = parse_number(found.group("num"))
            if quantity and found.group("plus"):
                # "Six men and one woman died": the article's total is the sum.
                second = parse_number(re.split(r"\s+and\s+", found.group("plus"), maxsplit=1)[1])
                if second:
                    quantity = Quantity(quantity.value + second.value, quantity.qualifier)
            field = "killed" if found.group("killed") else "injured"
            if _COUNTS_WOUNDS.fullmatch(found.group("injured") or "") and not re.search(
                    rf"\b(?:{_PEOPLE})\b", found.group("gap") or "", re.IGNORECASE):
                continue  # "he suffered one gunshot wound": wounds counted, not people
            add(field, quantity, found.start(), found.end(), weak=bool(found.group("shot")),
                num_span=(found.start("num"), found.end("plus") if found.group("plus") else found.end("num")))
    return figures


def victims_figure(field: str, counted: VictimCount) -> Figure | None:
    """The count of victims described one by one, as a figure for `field`."""
    value = counted.killed if field == "killed" else counted.injured
    sentence = counted.killed_sentence if field == "killed" else counted.injured_sentence
    if value <= 0 or sentence is None:
        return None
    return Figure(field, Quantity(value), sentence, sentence.start, sentence.end, weak=True, kind="victims")


# Hand weights, until `python -m workers.extraction.train` fits them (models/figure.*.json).
# Hand weights: the fallback when no trained file ships, and the sign each trained weight keeps
# (features left out, such as the kind of phrase, may learn either sign).
_HAND = {
    "figure": 1.0, "none": 0.5, "in_title": 0.6, "lead": 0.5, "first": 0.8, "weak": -0.9, "index": -0.2,
    "qualifier": 0.1, "agree": 0.3, "attributed": 0.1, "none_candidates": -0.6, "victims_below_stated": -0.5,
}
RANKERS: dict[str, Ranker[int | None]] = {field: Ranker(f"figure.{field}", _HAND) for field in ("killed", "injured")}


def _features(figure: Figure, usable: list[Figure]) -> dict[str, float]:
    same = sum(1 for f in usable if f is not figure and f.value == figure.value)
    order = [f for f in usable if f.kind != "victims"]
    sentence = figure.sentence
    return {
        "figure": 1.0,
        f"kind_{figure.kind}": 1.0,
        "in_title": float(sentence.source == "title"),
        "lead": float(sentence.source == "text" and sentence.index < 3),
        "index": math.log1p(sentence.index) if sentence.source == "text" else 0.0,
        "first": float(bool(order) and order[0] is figure),
        "qualifier": float(bool(figure.quantity.qualifier)),
        "range": float(figure.quantity.low is not None),
        "weak": float(figure.weak and figure.kind != "victims"),
        "largest": float(all(figure.value >= f.value for f in usable)),
        "agree": float(min(same, 3)),
        "attributed": float(figure.attribution is not None),
        # A stated toll counts the victims the article goes on to describe: three named of seven dead.
        "victims_below_stated": float(figure.kind == "victims" and any(
            f.kind != "victims" and f.value > figure.value for f in usable)),
    }


def choose(figures: list[Figure], field: str, counted: VictimCount | None = None,
           primary: bool = True) -> Figure | None:
    """The article's current figure for `field`, or None.

    Two rules stand before any weighing, as the labelling rules state them and too rare in the
    labelled data to be learned: a figure the text gives as a revision ("rose to", "revised down
    to") is the current one, and a vague quantity ("dozens") stands only when nothing exact does.
    Otherwise every exact figure the article states for the field, the count of victims it
    describes one by one, and "no figure" compete on named features, and the ranker's weights
    decide (the headline, agreement between figures, the kind of phrase, ...)."""
    usable = [f for f in figures if f.field == field and f.excluded is None]
    down = [f for f in usable if f.update == "down" and not f.quantity.vague]
    if down:
        return down[0]
    up = [f for f in usable if f.update == "up" and not f.quantity.vague]
    if up:
        return max(up, key=lambda f: f.value)
    exact = [f for f in usable if not f.quantity.vague]
    counted_figure = victims_figure(field, counted) if counted else None
    if counted_figure is not None:
        exact.append(counted_figure)
    candidates: list[Candidate[int | None]] = [Candidate(f.value, _features(f, exact), f) for f in exact]
    candidates.append(Candidate(None, {
        "none": 1.0,
        "none_candidates": float(min(len(exact), 3)),
        "none_only_victims": float(len(exact) == 1 and exact[0].kind == "victims"),
    }))
    best = RANKERS[field].best(candidates, field=field, primary=primary)
    if best is not None and best.payload is not None:
        chosen: Figure = best.payload
        if not chosen.quantity.qualifier:
            # A headline says "kills 14" where the text says "at least 14": keep the qualifier.
            qualified = [f for f in exact if f.value == chosen.value and f.quantity.qualifier]
            if qualified:
                return qualified[0]
        return chosen
    vague = [f for f in usable if f.quantity.vague]
    return vague[0] if vague and not exact else None
