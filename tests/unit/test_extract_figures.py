"""Killed and injured figures with their evidence (workers.extraction.figures)."""

from __future__ import annotations

import pytest

from workers.extraction.figures import choose, find_figures
from workers.extraction.text import split_sentences
from workers.extraction.victims import count_victims


def figures_of(text: str) -> tuple[int | None, int | None]:
    sentences = split_sentences(text)
    found, counted = find_figures(sentences), count_victims(sentences)
    killed, injured = choose(found, "killed", counted), choose(found, "injured", counted)
    return (killed.value if killed else None), (injured.value if injured else None)


def test_a_seed_like_report_keeps_its_toll_and_ignores_a_strike_mentioned_in_passing():
    text = ("Two blasts tore through a crowd at a remembrance ceremony in the city of Kerman on Wednesday. "
            "103 people have been reported dead and 188 injured, the state news agency said, and the death "
            "toll is expected to rise. The bombing came a week after a US strike last month which killed "
            "ten people in Baghdad.")
    assert figures_of(text) == (103, 188)


def test_the_figure_phrase_is_the_evidence_with_offsets_into_the_text():
    text = "Rescuers searched the rubble overnight. At least 12 people were killed when the bridge fell."
    found = find_figures(split_sentences(text))
    killed = choose(found, "killed")
    assert killed is not None and killed.quantity.qualifier == "at_least"
    assert text[killed.start:killed.end] == "At least 12 people were killed"
    assert killed.sentence.text == "At least 12 people were killed when the bridge fell."


def test_victims_of_one_nationality_are_not_the_total():
    assert figures_of("Fourteen people were killed, including 5 Americans, in the ambush.")[0] == 14
    assert figures_of("Among the dead were three children. Nine people died in the fire.")[0] == 9


def test_a_partitive_figure_is_not_the_total():
    text = "Two of the dead were firefighters. In all, eleven people died in the blaze."
    assert figures_of(text)[0] == 11


def test_verbs_of_harm_take_their_figure_as_object():
    assert figures_of("Gunmen opened fire on a bus, killing nine and wounding twenty-two.") == (9, 22)
    assert figures_of("The storm left 31 people dead across the region.")[0] == 31


def test_men_and_women_who_died_are_added_up():
    assert figures_of("Four men and two women died when the ferry capsized.")[0] == 6


def test_a_risen_toll_wins_over_the_first_report():
    text = ("The attack killed at least 20 people, police said at first. By Friday the death toll had risen "
            "to 43.")
    assert figures_of(text)[0] == 43


def test_a_toll_revised_down_wins_too():
    text = "Officials said 95 people were killed. The death toll was later revised down to 84."
    assert figures_of(text)[0] == 84


def test_taken_to_hospital_counts_as_injured_and_dozens_only_without_a_number():
    assert figures_of("Dozens were hurt. More than 60 people were taken to hospital.")[1] == 60
    found = find_figures(split_sentences("Dozens of people were injured in the crush."))
    injured = choose(found, "injured")
    assert injured is not None and injured.quantity.vague


def test_a_negation_or_a_no_casualty_story_gives_no_figure():
    assert figures_of("No one was killed and nobody was hurt when the crane fell.") == (None, None)


def test_an_unnamed_single_victim_counts_as_one():
    assert figures_of("A young boy who fell into a disused mine shaft has died.") == (1, None)


def test_attribution_is_read_from_the_sentence():
    found = find_figures(split_sentences("At least 30 people were killed, according to the health ministry."))
    killed = choose(found, "killed")
    assert killed is not None and killed.attribution == "the health ministry"


@pytest.mark.parametrize(("text", "killed", "injured"), [
    ("The blast killed 12 people and injured 30 others.", 12, 30),
    ("Twelve people died and 30 were hurt.", 12, 30),
    ("At least 12 dead, 30 injured in blast", 12, 30),
    ("The attack left at least 12 people dead and 30 wounded.", 12, 30),
    ("Officials put the death toll at 12.", 12, None),
    ("Twelve bodies have been recovered from the rubble.", 12, None),
    ("Police confirmed the deaths of 12 people.", 12, None),
    ("The floods have claimed at least 12 lives.", 12, None),
    ("Twelve people, mostly women and children, were killed.", 12, None),
    ("One person was killed and two others injured.", 1, 2),
    ("More than 30 were treated at hospitals.", None, 30),
    ("Seven others sustained minor injuries.", None, 7),
    ("The earthquake killed more than 2,000 people and injured over 10,000.", 2000, 10000),
    ("Twenty-one people were wounded, six of them seriously.", None, 21),
    ("The crash killed all 150 people on board.", 150, None),
    ("All 62 passengers and crew were killed.", 62, None),
    ("A 12th victim died in hospital on Sunday.", None, None),
    ("Rescuers pulled 15 survivors from the wreckage.", None, None),
    ("Over the past year, 300 people have died on the roads.", None, None),
    ("It was the deadliest attack since 2015, when 30 people died in a market bombing.", None, None),
])
def test_newsroom_phrasings_give_the_right_figures(text, killed, injured):
    assert figures_of(text) == (killed, injured)


@pytest.mark.parametrize("text", ["A man was shot dead outside a bar.", "A teenager has been stabbed to death.",
                                  "A climber died after falling on the north face."])
def test_a_single_unnamed_victim_in_other_words_is_one_killed(text):
    assert figures_of(text) == (1, None)


def test_someone_hurt_is_not_a_single_death():
    assert figures_of("A woman who was injured in the crash is recovering.") == (None, 1)


@pytest.mark.parametrize(("text", "killed", "injured"), [
    ("The number of dead climbed to 12.", 12, None),
    ("The toll stood at 12 on Sunday.", 12, None),
    ("12 people are confirmed to have died.", 12, None),
    ("The blast killed a dozen people.", 12, None),
    ("At least three people have died and more than 20 are missing.", 3, None),
    ("It killed two and left 15 injured.", 2, 15),
    ("Police said the gunman shot and killed four people.", 4, None),
    ("Scores of people were wounded.", None, 40),
    ("Nine people, including two children, were among the dead.", None, None),
    ("The attack killed nine people, eight of them civilians.", 9, None),
    ("Two firefighters were among 16 people injured.", None, 16),
])
def test_wire_service_phrasings_give_the_right_figures(text, killed, injured):
    assert figures_of(text) == (killed, injured)


def test_an_age_in_apposition_is_not_a_count_but_the_people_listed_are_counted():
    sentences = split_sentences("Mark Hale, 63, and his wife died in the fire.")
    assert [f.value for f in find_figures(sentences)] == []
    named = {("text", 0): [(0, 9)]}  # what spaCy's recogniser marks as a person
    assert count_victims(sentences, named).killed == 2


@pytest.mark.parametrize("text", [
    "Call the tip line toll-free at 877.903.7867 with information about the killing.",
    "He was due to stand trial over the 2015 shooting death of his neighbour.",
])
def test_phone_numbers_and_years_are_not_counts(text):
    assert [f.value for f in find_figures(split_sentences(text)) if f.excluded is None] == []


def test_a_headline_figure_keeps_the_qualifier_the_text_gives_it():
    sentences = split_sentences("Bomb kills 14 at market.") + split_sentences(
        "At least 14 people were killed and 32 wounded when the bomb went off.")
    killed = choose(find_figures(sentences), "killed", count_victims(sentences))
    assert killed is not None and (killed.value, killed.quantity.qualifier) == (14, "at_least")


def test_wounds_counted_are_not_people_counted():
    text = "Officers found a man in the lot. He suffered one gunshot wound to the neck and later died."
    assert figures_of(text) == (1, None)
