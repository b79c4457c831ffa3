"""Victims described one by one, counted (workers.extraction.victims), and the round-ups and
side incidents that keep another incident's victims apart (workers.extraction.segments).

The sentences are written for these tests in the style of local news; none is quoted from a paper.
"""

import pytest

from workers.extraction import segments
from workers.extraction.text import split_sentences
from workers.extraction.victims import count_victims


def counted(text: str, names: dict | None = None) -> tuple[int, int]:
    result = count_victims(split_sentences(text), names)
    return result.killed, result.injured


@pytest.mark.parametrize(("text", "killed", "injured"), [
    ("A 34-year-old man was shot in the arm on Elm Street late Friday. He was taken to a hospital in stable "
     "condition.", 0, 1),
    ("Officers found a woman dead from a gunshot wound inside the apartment.", 1, 0),
    ("A teenager was shot near the school. The 16-year-old later died at the hospital.", 1, 0),
    ("A man was found dead and a woman was found with a gunshot wound to the leg.", 1, 1),
    ("Two men were wounded in the parking lot, police said.", 0, 2),
    ("Two people were shot, one fatally, outside the club.", 1, 1),
    ("A driver who crashed into a pole after being shot has died.", 1, 0),
    ("A 19-year-old showed up at a hospital with gunshot wounds early Sunday.", 0, 1),
    ("Police said the suspect shot a man in the leg and fled on foot.", 0, 1),
    ("A man accidentally shot himself in the hand while cleaning his gun.", 0, 1),
    ("Nobody was hurt when shots were fired at the house.", 0, 0),
])
def test_victims_described_one_by_one_are_counted_once_in_one_role(text, killed, injured):
    assert counted(text) == (killed, injured)


def test_a_later_sentence_describing_the_victim_anew_is_the_same_person():
    text = ("A man was shot on Oak Avenue on Tuesday night. Officers found a man with wounds to his chest. "
            "The victim was taken to the trauma center.")
    assert counted(text) == (0, 1)


def test_another_person_or_a_different_age_is_one_more_victim():
    assert counted("A 20-year-old man was shot on Pine Street. A 45-year-old man was also wounded.") == (0, 2)
    assert counted("A woman was stabbed in the kitchen. Another woman was hurt trying to help.") == (0, 2)


def test_named_people_listed_together_share_what_happened_to_them():
    text = "Ana Ruiz, 41, and Tom Ruiz, 44, both of Millbrook, were found shot to death in their home."
    names = {("text", 0): [(0, 8), (18, 26)]}
    assert counted(text, names) == (2, 0)


def test_an_ordinal_is_a_running_total_not_a_person():
    assert counted("A 12th victim died in hospital on Sunday, officials said.") == (0, 0)


def test_a_round_up_keeps_each_shooting_apart_and_its_total_is_no_ones_figure():
    text = ("Three men were wounded in separate shootings across the city on Saturday night. "
            "A 25-year-old man was shot in the leg on Grove Street. He is expected to recover. "
            "A 31-year-old man was shot in the back on Lake Road hours later.")
    sentences = split_sentences(text)
    split = segments.split(sentences)
    assert split.roundup
    assert len(split.others) == 1
    main = [s for s in split.main if segments.key(s) not in split.totals]
    assert count_victims(main).injured == 1
    assert count_victims(split.others[0]).injured == 1


def test_a_separate_incident_in_its_own_sentence_is_told_apart_from_the_main_one():
    text = ("A woman was shot dead outside a bar on Main Street early Sunday. Police have no suspect. "
            "In a separate shooting, a man was wounded in the hand on Cedar Lane.")
    split = segments.split(split_sentences(text))
    assert not split.roundup
    assert len(split.others) == 1 and "Cedar Lane" in split.others[0][0].text
    assert count_victims(split.main).killed == 1


def test_background_about_other_times_is_nobody_s_figure():
    text = ("A man was shot and killed on Monday. It was the city's 30th homicide this year. "
            "Last year, 12 people were killed in the same neighborhood.")
    split = segments.split(split_sentences(text))
    told = [s for s in split.main if segments.key(s) not in split.background]
    assert count_victims(told).killed == 1


def test_people_said_to_be_among_a_group_are_not_counted_twice():
    assert counted("Three people, including a 79-year-old woman, were wounded in the shooting.") == (0, 3)


def test_both_victims_refers_to_the_two_already_named():
    text = ("Police say he shot and killed Rosa Vance, 53, and Leon Vance, 44, at the store. "
            "Both victims were shot in the head.")
    assert counted(text, {("text", 0): [(30, 40), (50, 60)]}) == (2, 0)


def test_shot_and_later_died_in_one_clause_is_killed():
    assert counted("The sheriff said the man was shot on Thursday and died over the weekend.") == (1, 0)


@pytest.mark.parametrize(("text", "killed", "injured"), [
    ("The shooting left one woman dead and a second critically wounded.", 1, 1),
    ("Ray Dunn, 65, was robbed and shot while he sat on his porch.", 0, 1),
    ("Deputies found 44-year-old Lee Park inside the garage suffering from a gunshot wound.", 0, 1),
    ("Police received a report of a man in his car with gunshot wounds.", 0, 1),
    ("The victim, who was not identified, was taken to a hospital with minor injuries.", 0, 1),
])
def test_more_ways_local_news_describes_a_victim(text, killed, injured):
    import re

    names = {("text", 0): [m.span() for m in re.finditer(r"Ray Dunn|Lee Park", text)]}
    assert counted(text, names) == (killed, injured)


def test_a_man_who_fatally_shot_himself_is_killed():
    assert counted("Police tracked her to the home of a 35-year-old man who fatally shot himself.") == (1, 0)


@pytest.mark.parametrize("text", [
    "Deputies were called to a shooting on Alder Lane. The victim sustained non-life-threatening injuries.",
    "Officers found shell casings on Pine Street, and one person was taken by ambulance to a county hospital.",
])
def test_injuries_sustained_and_a_ride_by_ambulance_count_one_injured(text):
    counted = count_victims(split_sentences(text))
    assert (counted.killed, counted.injured) == (0, 1)


def test_the_victims_counted_as_a_group_include_those_told_of_before():
    text = ("A party on Birch Road ended with a man dead, deputies said. Deputies learned that the two victims "
            "had been shot in the yard. The man was pronounced dead at the scene and the teenager was taken to a "
            "hospital.")
    assert counted(text) == (1, 1)
    # "the other two" are more people, not the one already told of
    more = "A man was killed on Birch Road. The other two victims were taken to a hospital with wounds."
    assert counted(more) == (1, 2)


def test_a_named_person_who_died_is_one_of_the_group_already_counted():
    text = "Two men were shot on Cedar Lane on Sunday night. Both men were taken to the hospital, where Rob Tull died."
    start = text.index("Rob Tull")  # PERSON spans are offsets in the text
    assert counted(text, {("text", 1): [(start, start + 8)]}) == (1, 1)


def test_a_lead_printed_twice_counts_its_victims_once():
    lead = ("Deputies arrested a 31-year-old man in connection with the shooting of another man in the leg "
            "last Friday during a robbery.")
    reworded = lead.replace("Deputies arrested", "Deputies have arrested")
    assert counted(f"{lead} {reworded}") == (0, 1)
    # one word apart, two people: not a reprint
    two = ("A 23-year-old man was shot in the chest on Linden Street, police said on Sunday. "
           "A 23-year-old woman was shot in the back on Linden Street, police said on Sunday.")
    assert counted(two) == (0, 2)


def _named(text: str, *people: str) -> tuple[int, int]:
    spans = [(text.index(p), text.index(p) + len(p)) for p in people]
    by_sentence: dict = {}
    for sentence in split_sentences(text):
        inside = [s for s in spans if sentence.start <= s[0] < sentence.end]
        if inside:
            by_sentence[(sentence.source, sentence.index)] = inside
    return counted(text, by_sentence)


@pytest.mark.parametrize(("text", "people", "killed", "injured"), [
    ("A man who was shot in the leg during a robbery on Friday night passed away on Saturday.", (), 1, 0),
    ("Detectives are investigating the fatal shooting of Dale Ormond, 41, near the bus depot.", ("Dale Ormond",), 1, 0),
    ("Lena Vasko's body was found in a car parked on Quarry Road.", ("Lena Vasko",), 1, 0),
    ("He was charged with the attempted murder of Tim Fell, who was shot twice in the arm.", ("Tim Fell",), 0, 1),
    ("He faces a charge of attempted first-degree murder of Tim Fell, who was shot in the arm.", ("Tim Fell",), 0, 1),
])
def test_more_ways_a_death_is_told_and_one_that_is_not_a_death(text, people, killed, injured):
    assert _named(text, *people) == (killed, injured)


def test_a_hyphenated_surname_alone_is_the_person_named_before():
    text = ("Kyle Arden-Moss was killed on Friday in the hallway of his building. "
            "Police found Moss with a gunshot wound to the head; Moss was pronounced dead at the hospital.")
    first = text.index("Moss with")
    second = text.index("Moss was pronounced")
    names = {("text", 0): [(0, 15)], ("text", 1): [(first, first + 4), (second, second + 4)]}
    assert counted(text, names) == (1, 0)


@pytest.mark.parametrize(("text", "killed", "injured"), [
    ("Officers found a man who had been shot twice and a dog that had been shot and killed.", 0, 1),
    ("A man was shot in the arm and a woman was killed when the gunman opened fire.", 1, 1),
])
def test_another_subject_after_and_ends_the_first_ones_clause(text, killed, injured):
    assert counted(text) == (killed, injured)


@pytest.mark.parametrize("text", [
    "One man was killed and another taken to a hospital after a shooting on Grove Street early Saturday.",
    "One man was killed and another wounded Monday night in a shooting downtown. He died later at a hospital.",
    "A 19-year-old man was fatally shot and another wounded in a gunfight. The man who was fatally wounded was "
    "driven away by friends.",
])
def test_another_standing_alone_is_one_more_victim_and_a_death_retold_is_the_same_one(text):
    assert counted(text) == (1, 1)


def test_a_named_member_who_died_counts_once_however_often_named():
    text = ("Two men were shot on Cedar Lane on Sunday night. Rob Tull-Varga was pronounced dead at the hospital. "
            "Varga died shortly after midnight, police said.")
    first, second = text.index("Rob Tull-Varga"), text.index("Varga died")
    names = {("text", 1): [(first, first + 14)], ("text", 2): [(second, second + 5)]}
    assert counted(text, names) == (1, 1)


def test_the_group_holding_a_named_victim_keeps_the_name():
    text = ("Ana Pell was killed at a party on Birch Road, deputies said. Deputies learned that the two victims "
            "had been shot in the yard.")
    start = text.index("Ana Pell")
    result = count_victims(split_sentences(text), {("text", 0): [(start, start + 8)]})
    assert (result.killed, result.injured, result.names) == (1, 1, ("Ana Pell",))
