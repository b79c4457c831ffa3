"""Numbers as newsrooms write them: "1,200", "seven", "twenty-one", "a dozen", "dozens", "between 80
and 90", each with its qualifier ("at least", "more than", "nearly", "up to").

`NUMBER` is a regular expression (no named groups, so it can be embedded in larger patterns);
`parse_number` turns the text it matched into a `Quantity`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# Vague quantities: docs/labelling.md accepts these readings when no number is given, so they are kept
# as a value marked vague and used only when nothing exact is said.
VAGUE = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2000}
_DOZEN = {"a dozen": 12, "dozen": 12, "half a dozen": 6, "two dozen": 24, "three dozen": 36}

QUALIFIERS = {
    "at least": "at_least", "a least": "at_least", "no fewer than": "at_least", "no less than": "at_least",
    "more than": "more_than", "over": "more_than", "upwards of": "more_than", "in excess of": "more_than",
    "nearly": "nearly", "almost": "nearly", "close to": "nearly", "just under": "nearly",
    "up to": "up_to", "as many as": "up_to",
    "about": "about", "around": "about", "some": "about", "roughly": "about", "approximately": "about",
    "an estimated": "about", "at most": "up_to", "fewer than": "less_than", "less than": "less_than",
}

_word_unit = "|".join(sorted(_UNITS, key=len, reverse=True))
_word_tens = "|".join(_TENS)
_WORD_NUMBER = (
    rf"(?:(?:{_word_tens})(?:[- ](?:{_word_unit}))?|(?:{_word_unit}))"
    rf"(?:\s+(?:hundred|thousand)(?:\s+(?:and\s+)?(?:(?:{_word_tens})(?:[- ](?:{_word_unit}))?|(?:{_word_unit})))?)?"
)
# Decimals only before a scale word ("1.5 million"): "877.903" is a phone number, not a count.
_DIGITS = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+\.\d+\s+(?:million|thousand)|\d+(?:\s+(?:million|thousand))?"
_ONE_NUMBER = (
    rf"(?:(?:half\s+a|a|two|three)\s+dozen|dozens|scores|hundreds|thousands|"
    rf"(?:a\s+)?(?:hundred|thousand)|{_DIGITS}|{_WORD_NUMBER})"
)
_QUALIFIER = "|".join(sorted((re.escape(q).replace(r"\ ", r"\s+") for q in QUALIFIERS), key=len, reverse=True))
# A number may not run on into a word ("six-year-old", "6am", "11:30", "3rd", "2,000-strong").
_END = r"(?![\w:%]|[.,]\d|-(?:year|month|week|day|hour|minute|strong|storey|story|mile|metre|meter|foot|feet|km))"
NUMBER = (
    rf"(?<![\w$£€#.,:])(?:(?:{_QUALIFIER})\s+)?"
    rf"(?:between\s+{_ONE_NUMBER}\s+and\s+{_ONE_NUMBER}|{_ONE_NUMBER}(?:\s*(?:-|–|to)\s*{_ONE_NUMBER})?)"
    rf"{_END}"
)
_QUALIFIER_RE = re.compile(rf"^(?:{_QUALIFIER})\b", re.IGNORECASE)
_RANGE_RE = re.compile(rf"^(?:between\s+)?({_ONE_NUMBER})\s*(?:and|-|–|to)\s*({_ONE_NUMBER})$", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    """A parsed number: `value` is what to report; `low`/`high` are set for ranges."""

    value: int
    qualifier: str | None = None
    vague: bool = False
    low: int | None = None
    high: int | None = None


def words_to_int(text: str) -> int | None:
    """'twenty-one' -> 21, 'two hundred and five' -> 205, '1,200' -> 1200, 'a dozen' -> 12."""
    text = " ".join(text.lower().replace("-", " ").split())
    if not text:
        return None
    if text in _DOZEN:
        return _DOZEN[text]
    if text in VAGUE:
        return VAGUE[text]
    digits = re.fullmatch(r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s+(million|thousand))?", text)
    if digits:
        number = float(digits.group(1).replace(",", ""))
        if digits.group(2):
            number *= _SCALES[digits.group(2)]
        return round(number)
    total = current = 0
    seen = False
    for word in text.split():
        if word in ("and", "a"):
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word in _SCALES:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total += current
                current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def parse_number(text: str) -> Quantity | None:
    """Parse what `NUMBER` matched: 'at least 84' -> Quantity(84, 'at_least')."""
    text = " ".join(text.split())
    qualifier = None
    found = _QUALIFIER_RE.match(text)
    if found:
        qualifier = QUALIFIERS[" ".join(found.group(0).lower().split())]
        text = text[found.end():].strip()
    vague = text.lower() in VAGUE
    ranged = _RANGE_RE.match(text)
    if ranged:
        low, high = words_to_int(ranged.group(1)), words_to_int(ranged.group(2))
        if low is not None and high is not None and low < high:
            # A range is reported by its lower bound, the figure every source agrees on.
            return Quantity(low, qualifier or "range", False, low, high)
    value = words_to_int(text)
    if value is None:
        return None
    return Quantity(value, qualifier, vague)
