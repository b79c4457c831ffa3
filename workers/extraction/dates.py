"""The day an incident happened, from what the article says and when it was published.

"on Wednesday" is the last Wednesday on or before publication, "yesterday" and "last night" the day
before, "today" and "this morning" the day itself, "November 6" the last November 6 up to then.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from workers.extraction.learned import Candidate, Ranker
from workers.extraction.text import Sentence

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE_ALTERNATIVES = (
    rf"\b(?P<md>(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y1>(?:19|20)\d\d))?)\b|"
    rf"\b(?P<dm>(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH})(?:,?\s+(?P<y2>(?:19|20)\d\d))?)\b|"
    r"\b(?P<last>last)\s+(?P<wd0>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
    r"\b(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
    r"\b(?P<yesterday>yesterday|last\s+night|overnight)\b|"
    r"\b(?P<today>today|this\s+morning|this\s+afternoon|this\s+evening|tonight|earlier\s+today)\b"
)
LEXICON = Path(__file__).resolve().parent / "lexicon" / "dates.toml"


@cache
def lexicon() -> dict[str, Any]:
    with LEXICON.open("rb") as handle:
        return tomllib.load(handle)


def _words(words: list[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@cache
def _pattern() -> re.Pattern[str]:
    """Every day expression; holidays (lexicon [holidays]) before the weekdays and months they hold."""
    holidays = _words(list(lexicon()["holidays"]))
    return re.compile(rf"\b(?P<holiday>{holidays})(?![\w'])|{_DATE_ALTERNATIVES}", re.IGNORECASE)


def warm_up() -> None:
    """Read the lexicon and compile the day patterns now (a worker does it before it forks)."""
    _pattern()
    for name in lexicon()["cues"]:
        _cue(name)


@cache
def _cue(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{_words(lexicon()['cues'][name])})\b", re.IGNORECASE)


@cache
def _right_before(name: str) -> re.Pattern[str]:
    """A cue just before a day: "police said Tuesday", "told reporters on Friday", "died late on
    Sunday"; not "said the attack on Thursday", where the day is the attack's."""
    return re.compile(rf"\b(?:{_words(lexicon()['cues'][name])})\s+(?:[a-z]+\s+)?(?:(?:late|early|on)\s+){{0,2}}$",
                      re.IGNORECASE)


def parse_published(value: object) -> datetime | None:
    """A publication time in whatever form a feed gave it; None when there is none."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if not text or text.lower() in {"none", "null"}:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    import dateparser

    try:
        parsed = dateparser.parse(text, settings={"RETURN_AS_TIMEZONE_AWARE": False})
    except Exception:  # dateparser raises assorted errors on odd input; a bad date is just no date
        return None
    return parsed


def _month(text: str) -> int:
    return _MONTHS[text.lower().rstrip(".")[:4] if text.lower().startswith("sept") else text.lower().rstrip(".")[:3]]


def holiday(name: str, year: int) -> date | None:
    """The day a named holiday falls on in a year, by its rule in lexicon [holidays]."""
    rule = lexicon()["holidays"].get(" ".join(name.lower().replace("’", "'").split()))
    if rule is None:
        return None
    if rule.startswith("easter"):
        from dateutil.easter import easter  # type: ignore[import-untyped]  # dateutil ships no type stubs

        return easter(year) + timedelta(days=int(rule[6:] or 0))
    parts = rule.split("-")
    month = int(parts[0])
    if len(parts) == 2:
        return date(year, month, int(parts[1]))
    weekday = _WEEKDAYS.index(next(w for w in _WEEKDAYS if w.startswith(parts[2])))
    if parts[1] == "last":
        day = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        return day - timedelta(days=(day.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (int(parts[1]) - 1))


def resolve(found: re.Match[str], published: date | None) -> date | None:
    """The calendar day one date expression means, relative to publication."""
    if found.group("holiday"):
        if published is None:
            return None
        value = holiday(found.group("holiday"), published.year)
        if value is not None and value > published + timedelta(days=1):
            value = holiday(found.group("holiday"), published.year - 1)
        return value
    if found.group("md") or found.group("dm"):
        month = _month(found.group("m1") or found.group("m2"))
        day = int(found.group("d1") or found.group("d2"))
        year_text = found.group("y1") or found.group("y2")
        year = int(year_text) if year_text else (published.year if published else None)
        if year is None:
            return None
        try:
            value = date(year, month, day)
        except ValueError:
            return None
        if not year_text and published and value > published + timedelta(days=1):
            try:
                value = value.replace(year=year - 1)
            except ValueError:  # 29 February named early in a leap year: last year had none
                return None
        return value
    if published is None:
        return None
    if found.group("yesterday"):
        return published - timedelta(days=1)
    if found.group("today"):
        return published
    weekday = (found.group("wd") or found.group("wd0") or "").lower()
    if weekday:
        back = (published.weekday() - _WEEKDAYS.index(weekday)) % 7
        if found.group("last") and back == 0:
            back = 7
        return published - timedelta(days=back)
    return None


def kind_of(found: re.Match[str]) -> str:
    """What sort of day expression: "full" (with its year), "month_day", "holiday", "weekday",
    "yesterday" or "today"."""
    if found.group("holiday"):
        return "holiday"
    if found.group("md") or found.group("dm"):
        return "full" if (found.group("y1") or found.group("y2")) else "month_day"
    if found.group("yesterday"):
        return "yesterday"
    if found.group("today"):
        return "today"
    return "weekday"


def _clause_before(text: str, start: int) -> str:
    """The clause leading to a day ("the funeral will be held on Friday" -> "the funeral will be held on")."""
    return re.split(r"[,;:]", text[max(0, start - 80):start])[-1]


def expressions(text: str, published: date | None) -> list[tuple[date, re.Match[str]]]:
    """Every resolvable day expression in one sentence."""
    out = []
    for found in _pattern().finditer(text):
        value = resolve(found, published)
        if value is not None:
            out.append((value, found))
    return out


def find_dates(text: str, published: date | None) -> list[tuple[date, re.Match[str]]]:
    """Every resolvable date expression in one sentence, except days of the aftermath."""
    return [(value, found) for value, found in expressions(text, published)
            if not _cue("aftermath").search(_clause_before(text, found.start()))]


# ---------------------------------------------------------------------------------------------
# Choosing the incident's day

_TIME_OF_DAY = re.compile(r"\b(?:\d{1,2}(?:[:.]\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)|"
                          r"\d{1,2}[:.]\d\d\s*(?:GMT|BST|UTC|local\s+time)|\d{4}\s*(?:GMT|local\s+time)|"
                          r"(?:local\s+time))", re.IGNORECASE)
WINDOW = 25                # sentences read: the incident is told in the first ones
_LONG_SENTENCE = 600       # photo-gallery captions run together into one huge "sentence" full of other days
_DOUBT_DAYS = 30           # an explicit day this far from publication makes the timestamp doubtful

DAY_RANKER: Ranker[date] = Ranker("dates.day", {
    # by hand, from the rules this replaces: the earliest day named in sentences about the event,
    # no aftermath, no statement days, nothing long before publication unless written in full
    "kind_full": 0.6, "kind_month_day": 0.5, "kind_holiday": 0.4, "kind_weekday": 0.3, "kind_yesterday": 0.3,
    "kind_today": 0.2, "kind_time_of_day": -0.6, "own_event": 2.0, "any_event": 1.0, "title": 0.3, "lead": 0.5,
    "early": 0.3, "late": -0.5, "aftermath": -2.0, "statement": -1.0, "death": -0.5, "spell": -1.0,
    "list_of_days": -1.5, "elsewhere": -1.5, "earliest": 1.2, "agree": 0.4, "future": -3.0, "same_day": 0.2,
    "day_before": 0.3, "this_week": 0.2, "this_month": -0.8, "older": -2.5, "relative_doubtful": -1.0,
    "explicit_doubtful": 0.8, "weekday_agrees": 0.8,
})


def _age_feature(value: date, published: date | None) -> str | None:
    if published is None:
        return None
    days = (published - value).days
    if days < -1:
        return "future"
    if days <= 0:
        return "same_day"
    if days == 1:
        return "day_before"
    return "this_week" if days <= 7 else "this_month" if days <= 30 else "older"


def _doubtful(window: Sequence[Sentence], about: set[tuple[str, int]], published: date | None) -> bool:
    """Is the publication timestamp doubtful? A day written out in a sentence about the event, in
    the year of publication or the one before, yet far from it (a page crawled again months later)
    says so; a day of another year is background ("the 2012 attack on ..."). Only the headline and
    the first sentences count: a later one names earlier events ("the last such shooting was on
    Feb. 17, 2017") far more often than a page is crawled again."""
    if published is None:
        return False
    for sentence in window:
        if (sentence.source, sentence.index) not in about or (sentence.source == "text" and sentence.index >= 3):
            continue
        for value, found in expressions(sentence.text, published):
            if (kind_of(found) in ("full", "month_day") and published.year - value.year <= 1
                    and abs((published - value).days) > _DOUBT_DAYS):
                return True
    return False


def day_candidates(sentences: Sequence[Sentence], tiers: Sequence[set[tuple[str, int]]], published: date | None,
                   elsewhere: re.Pattern[str] | None = None) -> list[Candidate[date]]:
    """Every day the incident's sentences name, with named features of how and where."""
    window = [s for s in sentences if (s.source == "title" or s.index < WINDOW) and len(s.text) < _LONG_SENTENCE]
    own = tiers[0] if tiers else set()
    anywhere: set[tuple[str, int]] = set().union(*tiers) if tiers else set()
    doubtful = _doubtful(window, anywhere, published)
    raw: list[tuple[date, str, Sentence, re.Match[str] | None]] = []
    for sentence in window:
        found_days = expressions(sentence.text, published)
        for value, match in found_days:
            raw.append((value, kind_of(match), sentence, match))
        key = (sentence.source, sentence.index)
        if not found_days and published is not None and key in anywhere and _TIME_OF_DAY.search(sentence.text):
            raw.append((published, "time_of_day", sentence, None))  # "at 2:30 p.m.": a same-day report
    if not raw:
        return []
    about = [value for value, _kind, sentence, _found in raw if (sentence.source, sentence.index) in anywhere]
    # A doubtful timestamp says nothing of how old a day is: no age, and the earliest of all days.
    recent = published if not doubtful else None
    earliest = min((v for v in about if recent is None or v >= recent - timedelta(days=_DOUBT_DAYS)), default=None)
    described: list[tuple[date, dict[str, float], Sentence]] = []
    for value, kind, sentence, found in raw:
        key = (sentence.source, sentence.index)
        features: dict[str, float] = {f"kind_{kind}": 1.0}
        for name, on in (("own_event", key in own), ("any_event", key in anywhere),
                         ("title", sentence.source == "title"),
                         ("lead", sentence.source == "text" and sentence.index == 0),
                         ("early", sentence.source == "text" and sentence.index < 3),
                         ("late", sentence.source == "text" and sentence.index >= 8),
                         ("earliest", value == earliest),
                         ("elsewhere", elsewhere is not None and bool(elsewhere.search(sentence.text))),
                         ("spell", bool(_cue("spell").search(sentence.text)))):
            if on:
                features[name] = 1.0
        if found is not None:
            clause = _clause_before(sentence.text, found.start())
            near = sentence.text[max(0, found.start() - 25):found.start()]
            if _cue("aftermath").search(clause):
                features["aftermath"] = 1.0
            if _right_before("statement").search(near):
                features["statement"] = 1.0
            if _right_before("death").search(near):
                features["death"] = 1.0
            if kind in ("full", "month_day"):
                beside = sentence.text[max(0, found.start() - 12):found.end() + 12].lower()
                if _WEEKDAYS[value.weekday()] in beside:
                    features["weekday_agrees"] = 1.0  # "Saturday, Aug. 10": the day is sure
            if doubtful:
                features["explicit_doubtful" if kind in ("full", "month_day") else "relative_doubtful"] = 1.0
        days_in_sentence = {v for v, _k, s, _f in raw if s is sentence}
        if len(days_in_sentence) > 2:
            features["list_of_days"] = 1.0  # a timeline or a schedule does not date the event
        age = _age_feature(value, recent)
        if age:
            features[age] = 1.0
        described.append((value, features, sentence))
    # Days named again elsewhere about the event agree; a statement's or the aftermath's day does not.
    plain = [(v, s) for v, f, s in described if f.get("any_event") and not (f.get("statement") or f.get("aftermath"))]
    out = []
    for value, features, sentence in described:
        same = sum(1 for v, s in plain if v == value and s is not sentence)
        if same:
            features["agree"] = min(3.0, float(same))
        out.append(Candidate(value, features, sentence))
    return out


def occurred_on(sentences: Sequence[Sentence], tiers: Sequence[set[tuple[str, int]]], published: date | None,
                elsewhere: re.Pattern[str] | None = None) -> tuple[date | None, Sentence | None]:
    """The day the incident happened and the sentence that says so, from the incident's sentences.
    `tiers` are sets of (source, index) of sentences about it, the surest first (naming its type
    or its figures; then naming any event). None when no day can be told."""
    candidates = day_candidates(sentences, tiers, published, elsewhere)
    if not candidates and published is not None:
        # No day named, but the scene is still unfolding ("two people remain trapped"): today's news.
        lead = [s for s in sentences if s.source == "title" or s.index < 6]
        ongoing = next((s for s in lead if _cue("ongoing").search(s.text)), None)
        return (published, ongoing) if ongoing else (None, None)
    about = [c for c in candidates if c.features.get("any_event")]
    # Days named in sentences about the event come first; others only when those name none.
    candidates = about or candidates
    best = DAY_RANKER.best(candidates, choices=len({c.value for c in candidates}))
    if best is None:
        return None, None
    if published is not None and best.features.get("older") and not best.features.get("kind_full"):
        return None, None  # a month-day long before publication is another story's day
    return best.value, best.payload


def all_days(sentences: Iterable[Sentence], published: date | None) -> list[date]:
    """Every day named (for tests and tools)."""
    return [value for s in sentences for value, _found in expressions(s.text, published)]
