"""Event types, dates, places and claims: the rules that need no model."""

from __future__ import annotations

from datetime import date

import pytest

from workers.extraction import dates, event_types, perpetrators, places
from workers.extraction.text import split_sentences


@pytest.mark.parametrize(("text", "kind"), [
    ("Gas explosion wrecks apartment block. A gas leak caused an explosion that killed four.", "explosion"),
    ("Suicide bomber kills 30 at market. The attacker detonated explosives in the crowd.", "bombing"),
    ("Passenger train derails in the mountains. Eight people died when the train left the tracks.", "rail_crash"),
    ("Bus plunges into ravine. The bus crashed through a barrier on the mountain road.", "road_crash"),
    ("Magnitude 6.4 earthquake strikes. The quake flattened homes in the valley.", "earthquake"),
    ("Ferry capsizes off the coast. The overcrowded ferry sank in heavy seas.", "maritime"),
    ("Gunman opens fire at school. The shooting left three dead.", "shooting"),
    ("Flash floods sweep villages. Floodwaters swept away dozens of homes.", "flood"),
])
def test_the_event_type_comes_from_the_words_that_name_it(text, kind):
    guess = event_types.classify(split_sentences(text))
    assert guess is not None and guess.event_type == kind
    assert guess.category == event_types.CATEGORY[kind]


def test_a_film_shoot_is_not_a_shooting():
    guess = event_types.classify(split_sentences("The actor was shooting the film in Miami when he fell ill."))
    assert guess is None or guess.event_type != "shooting"


@pytest.mark.parametrize(("phrase", "day"), [
    ("The blast happened on Wednesday night.", date(2016, 11, 9)),
    ("The crash happened yesterday.", date(2016, 11, 9)),
    ("The fire broke out last night.", date(2016, 11, 9)),
    ("The quake struck this morning.", date(2016, 11, 10)),
    ("The boy fell into the well on November 6.", date(2016, 11, 6)),
    ("The attack happened on Thursday.", date(2016, 11, 10)),
])
def test_days_are_resolved_against_the_publication_day(phrase, day):
    published = date(2016, 11, 10)  # a Thursday
    found = dates.find_dates(phrase, published)
    assert found and found[0][0] == day


def test_a_month_later_in_the_year_than_publication_is_last_year():
    found = dates.find_dates("The flood began on December 28.", date(2017, 1, 3))
    assert found[0][0] == date(2016, 12, 28)


def test_29_february_named_early_in_a_leap_year_gives_no_day_rather_than_an_error():
    found = dates.find_dates("The fire on February 29 killed five.", date(2024, 1, 10))
    assert all(day != date(2024, 2, 29) for day, _ in found)


def test_publication_times_in_assorted_forms_are_read():
    assert dates.parse_published("2016-11-09 20:01:00").date() == date(2016, 11, 9)
    assert dates.parse_published("2016-11-03T09:39:23").date() == date(2016, 11, 3)
    assert dates.parse_published("Wed, 09 Nov 2016 20:01:00 GMT").date() == date(2016, 11, 9)
    assert dates.parse_published(None) is None
    assert dates.parse_published("not a date at all") is None


def test_places_resolve_to_their_country_and_the_bigger_namesake_wins():
    assert places.resolve("Kerman").country_code == "IR"
    assert places.resolve("Croydon").country_code == "GB"
    assert places.resolve("Afghanistan").kind == "country"
    assert places.resolve("Texas").country_code == "US"
    assert places.resolve("Hebei province").kind == "region"


def test_a_preferred_country_decides_between_namesakes():
    assert places.resolve("Croydon", prefer={"AU"}).country_code == "AU"


def test_a_demonym_names_a_country():
    assert places.demonym_country("Afghan") == "AF"
    assert places.demonym_country("South African") == "ZA"


def test_a_claim_of_responsibility_names_the_group():
    claim = perpetrators.find_claims(split_sentences(
        "A car bomb killed eight soldiers. The Taliban claimed responsibility for the attack."))
    assert claim.claimed_by == "Taliban"


def test_no_group_claiming_is_a_fact_of_its_own():
    claim = perpetrators.find_claims(split_sentences(
        "Two blasts killed dozens. No group has yet claimed responsibility for the bombing."))
    assert claim.claimed_by is None and claim.no_claim


def test_an_explosion_the_police_say_was_not_an_attack_stays_an_accident():
    text = ("Gas explosion destroys bakery. The explosion tore through the building at dawn. Police ruled out "
            "terrorism and said a gas leak was the likely cause.")
    guess = event_types.classify(split_sentences(text))
    assert guess is not None and guess.event_type == "explosion"


@pytest.mark.parametrize("text", ["Soldiers opened fire at the protesters.", "The ceasefire held overnight.",
                                  "The minister came under fire in parliament."])
def test_figurative_or_gunfire_uses_of_fire_are_not_a_fire(text):
    guess = event_types.classify(split_sentences(text))
    assert guess is None or guess.event_type != "fire"


def test_an_attack_with_victims_but_no_method_named_is_an_armed_assault():
    text = ("Gunfight at the border post. An attack on a border post in the north killed nine guards and "
            "wounded four overnight, the army said.")
    guess = event_types.classify(split_sentences(text.replace("Gunfight", "Raid")))
    assert guess is not None and guess.event_type == "armed_assault" and guess.category == "attack"


def test_a_named_method_beats_the_generic_attack_however_often_attack_is_said():
    text = ("Car bomb hits market. The attack killed 14 people. The attack wounded dozens more. "
            "Officials said the attack was the deadliest this year.")
    guess = event_types.classify(split_sentences(text))
    assert guess is not None and guess.event_type == "bombing"


@pytest.mark.parametrize("text", [
    "The singer died of a heart attack at his home, his family said.",
    "The opposition launched an attack on the government's budget, saying it killed growth.",
])
def test_attacks_that_are_illness_or_words_are_no_incident(text):
    guess = event_types.classify(split_sentences(text))
    assert guess is None or guess.category != "attack"


def test_a_descriptor_is_not_the_name_of_the_claiming_group():
    claim = perpetrators.find_claims(split_sentences(
        "Militant group claims bus station bombing. A militant group has claimed the bombing, which killed "
        "nine. The group, which calls itself the Valley Liberation Front, said it carried out the attack."))
    assert claim.claimed_by == "Valley Liberation Front"


def test_a_claim_by_an_unnamed_group_names_no_one():
    claim = perpetrators.find_claims(split_sentences(
        "Islamist group claims attack on convoy that killed six soldiers."))
    assert claim.claimed_by is None


@pytest.mark.parametrize("text", [
    "A bomb killed 30 at the market. The Northern Front has been responsible for some of the deadliest attacks "
    "on the country's soil.",
    "A bomb killed 30 at the market. The Northern Front, which claimed similar attacks in the past, has been "
    "silent about this one.",
    "A bomb killed 30 at the market. The Northern Front denied any involvement in the bombing.",
    "Floods in the valley have claimed 30 lives, and the Northern Front said the attack on aid was a lie.",
])
def test_a_group_named_in_background_denying_or_claim_in_another_sense_is_no_claim(text):
    assert perpetrators.find_claims(split_sentences(text)).claimed_by is None


@pytest.mark.parametrize("alias", ["ISIS", "ISIL", "IS", "Daesh", "Islamic State"])
def test_every_alias_of_a_group_is_one_name(alias):
    claim = perpetrators.find_claims(split_sentences(
        f"A truck killed eight people on the promenade. {alias} claimed responsibility for the attack."))
    assert claim.claimed_by == "Islamic State"


def test_a_claim_through_a_group_s_news_agency_is_the_group_s_claim():
    claim = perpetrators.find_claims(split_sentences(
        "The gunman killed five at the club. Amaq, the news agency of the Islamic State, said the attacker "
        "was one of its soldiers, and the group claimed the attack on Sunday."))
    assert claim.claimed_by == "Islamic State"


def test_the_type_beside_the_harm_beats_one_named_in_passing():
    text = ("Police search for gunman. A man was shot and killed on Elm Street on Friday night. Officers said the "
            "victim had crashed his car into a pole after he was hit.")
    guess = event_types.classify(split_sentences(text))
    assert guess is not None and guess.event_type == "shooting"
