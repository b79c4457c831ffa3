"""The day an incident happened, from what the article says and when it was published.

"on Wednesday" is the last Wednesday on or before publication, "yesterday" and "last night" the day
before, "today" and "this morning" the day itself, "November 6" the last November 6 up to then.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE = re.compile(
    rf"\b(?P<md>(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y1>(?:19|20)\d\d))?)\b|"
    rf"\b(?P<dm>(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH})(?:,?\s+(?P<y2>(?:19|20)\d\d))?)\b|"
    r"\b(?P<last>last)\s+(?P<wd0>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
    r"\b(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
    r"\b(?P<yesterday>yesterday|last\s+night|overnight)\b|"
    r"\b(?P<today>today|this\s+morning|this\s+afternoon|this\s+evening|tonight|earlier\s+today)\b",
    re.IGNORECASE,
)
# Sentences about what comes after the incident: their days are not the incident's.
_AFTERMATH = re.compile(
    r"\b(?:funeral|vigil|inquest|memorial|court|trial|charged|appeared|will\s+be|next|tributes?|"
    r"reopen\w*|resume\w*|named|identified|visited|visit|said\s+on|told\s+\w+\s+on|statement\s+on)\b",
    re.IGNORECASE,
)


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


def resolve(found: re.Match[str], published: date | None) -> date | None:
    """The calendar day one date expression means, relative to publication."""
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


def find_dates(text: str, published: date | None) -> list[tuple[date, re.Match[str]]]:
    """Every resolvable date expression in one sentence, except days of the aftermath."""
    out = []
    for found in _DATE.finditer(text):
        # "the funeral will be held on Friday": the clause leading to the day says what it is for.
        clause = re.split(r"[,;:]", text[max(0, found.start() - 80):found.start()])[-1]
        if _AFTERMATH.search(clause):
            continue
        value = resolve(found, published)
        if value is not None:
            out.append((value, found))
    return out


_SAID_ON = re.compile(r"\b(?:said|says|told|reported|confirmed|announced)\s+(?:\w+\s+)?(?:on|late\s+on|early\s+on)\s+"
                      r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE)


# "over the past three days", "this week": a toll gathered over a spell has no single day.
_SPELL = re.compile(r"\b(?:(?:over|in|during)\s+the\s+(?:past|last)\s+\w+\s+(?:days|weeks|months)|since|this\s+week|"
                    r"recent\s+days|so\s+far)\b", re.IGNORECASE)


def statement_day(text: str, published: date | None) -> date | None:
    """The day of a statement ("police said on Tuesday"), resolved like any weekday."""
    found = _SAID_ON.search(text)
    if not found or published is None or _SPELL.search(text):
        return None
    back = (published.weekday() - _WEEKDAYS.index(found.group(1).lower())) % 7
    return published - timedelta(days=back)
