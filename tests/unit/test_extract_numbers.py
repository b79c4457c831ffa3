"""Numbers as newsrooms write them (workers.extraction.numbers)."""

from __future__ import annotations

import re

import pytest

from workers.extraction.numbers import NUMBER, parse_number, words_to_int

FIND = re.compile(NUMBER, re.IGNORECASE)


@pytest.mark.parametrize(("text", "value"), [
    ("seven", 7), ("twenty-one", 21), ("Ninety nine", 99), ("two hundred and five", 205),
    ("1,204", 1204), ("a dozen", 12), ("half a dozen", 6), ("two dozen", 24), ("3 thousand", 3000),
])
def test_written_numbers_become_integers(text, value):
    assert words_to_int(text) == value


@pytest.mark.parametrize(("text", "value", "qualifier"), [
    ("at least 84", 84, "at_least"), ("more than 50", 50, "more_than"), ("nearly eighty", 80, "nearly"),
    ("up to 12", 12, "up_to"), ("some 300", 300, "about"), ("Over 40", 40, "more_than"),
])
def test_a_qualifier_is_kept_beside_the_value(text, value, qualifier):
    quantity = parse_number(text)
    assert quantity is not None
    assert (quantity.value, quantity.qualifier) == (value, qualifier)


def test_a_range_reports_its_lower_bound_and_keeps_both_ends():
    quantity = parse_number("between 80 and 90")
    assert quantity is not None
    assert (quantity.value, quantity.low, quantity.high) == (80, 80, 90)


def test_dozens_and_hundreds_are_vague():
    dozens, hundreds = parse_number("dozens"), parse_number("hundreds")
    assert dozens is not None and dozens.vague
    assert hundreds is not None and hundreds.vague and hundreds.value == 200


@pytest.mark.parametrize("text", ["a six-year-old girl", "at 6am", "at 11:30 local time", "someone", "50%"])
def test_ages_times_and_words_containing_numbers_are_not_counts(text):
    assert not any(parse_number(m.group(0)) for m in FIND.finditer(text))
