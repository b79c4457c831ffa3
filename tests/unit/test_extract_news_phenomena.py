"""What goes wrong on news never seen, in general terms (issue 10), each on an article written for
this test: follow-ups under other headlines, present-tense headline verbs, the venue of an attack
that is also a topic word, subgroups and sums of victims, revised tolls, claims in background.

None of these articles is taken from a newspaper or a corpus.
"""

from __future__ import annotations

import pytest

from workers.extraction.pipeline import extract_articles


def main_incident(title: str, text: str, published: str = "2017-06-12T09:00:00Z") -> dict | None:
    [found] = extract_articles([{"id": "t", "title": title, "text": text, "published": published}])
    return found[0] if found else None


@pytest.mark.parametrize(("title", "text", "kind"), [
    ("Truck rams crowd at Riverside market, killing four",
     "A truck drove into a crowd of shoppers at the Riverside market in Dortmund on Saturday, killing four "
     "people and injuring 20, police said.", "vehicle_ramming"),
    ("Two commuter trains collide outside Lyon",
     "Two commuter trains collided near Lyon on Monday morning. Three passengers died and 40 were hurt.",
     "rail_crash"),
    ("Cargo ship strikes bridge in Baltimore harbour",
     "A cargo ship struck a pier of the Harbour Bridge early on Tuesday. Two workers on the bridge were killed.",
     "maritime"),
    ("Bus plunges into ravine in the Andes",
     "A bus carrying 57 passengers plunged 100 metres into a ravine in southern Peru on Sunday, killing at least "
     "24 people, police said.", "road_crash"),
    ("Van mows down pedestrians on busy avenue",
     "A man drove a rented van onto the pavement of Queen Street in Toronto, mowing down pedestrians. Ten "
     "people were killed and 15 injured.", "vehicle_ramming"),
])
def test_present_tense_headline_verbs_name_the_event(title, text, kind):
    incident = main_incident(title, text)
    assert incident is not None and incident["event_type"] == kind


def test_the_venue_of_an_attack_is_not_a_topic_that_vetoes_it():
    incident = main_incident(
        "Concert shooting: what we know about the gunman",
        "The gunman who opened fire on a country music concert in Las Vegas on Sunday night killed 58 people "
        "and wounded more than 500, police said. Investigators are searching his home in Nevada.")
    assert incident is not None and incident["event_type"] == "shooting" and incident["killed"] == 58


def test_a_follow_up_under_a_headline_about_reactions_still_has_its_incident():
    incident = main_incident(
        "City mourns as vigil draws thousands",
        "Thousands gathered on Tuesday to remember the 22 people killed when a suicide bomber struck the arena "
        "in Manchester on Monday night. Police said 59 people were injured in the bombing.")
    assert incident is not None and incident["event_type"] == "bombing"
    assert (incident["killed"], incident["injured"]) == (22, 59)


def test_foreigners_and_locals_killed_are_summed_and_a_subgroup_is_not_the_total():
    incident = main_incident(
        "Gunmen storm hotel in the capital",
        "Gunmen stormed a hotel in Bamako on Friday. Five foreigners and 14 locals were killed, three of them "
        "children, officials said.")
    assert incident is not None and incident["killed"] == 19


def test_a_toll_the_text_says_rose_wins_over_the_first_figure():
    incident = main_incident(
        "Quake toll rises",
        "An earthquake struck central Italy on Wednesday, killing at least 38 people. By Thursday the death toll "
        "had risen to 247, the civil protection agency said.")
    assert incident is not None and incident["killed"] == 247


def test_a_group_named_in_background_is_no_claim_of_this_bombing():
    incident = main_incident(
        "Bomb kills 12 at bus station",
        "A bomb exploded at a crowded bus station in Quetta on Monday, killing 12 people. No group has claimed "
        "responsibility. The Northern Front has been responsible for some of the deadliest attacks on the "
        "country's soil.")
    assert incident is not None and incident["claimed_by"] is None and incident["no_claim"] is True


def test_a_follow_up_with_a_claim_and_a_later_toll_keeps_the_attack_and_its_day():
    incident = main_incident(
        "Rebels claim border post attack as toll rises",
        "The Northern Front claimed responsibility for Thursday's attack on a border post near Arden. The death "
        "toll rose to six on Saturday, a provincial spokesman said.", published="2016-11-12T10:00:00Z")
    assert incident is not None and incident["category"] == "attack"
    assert incident["occurred_on"] == "2016-11-10" and incident["killed"] == 6
    assert incident["claimed_by"] == "Northern Front"


@pytest.mark.parametrize(("title", "text", "published", "day"), [
    ("Funerals held for market bombing victims",
     "Funerals were held on Friday for six people who died in Wednesday's bombing of a market in Kabul.",
     "2016-11-18T12:00:00Z", "2016-11-16"),
    ("Gunman who killed three at mall named",
     "Police said on Tuesday that the gunman, who opened fire at a shopping centre in Burlington on Monday "
     "evening, killing three people, was a 20-year-old local man.", "2016-09-27T15:00:00Z", "2016-09-26"),
])
def test_the_day_of_the_event_is_not_the_day_of_a_funeral_or_a_statement(title, text, published, day):
    incident = main_incident(title, text, published)
    assert incident is not None and incident["occurred_on"] == day
