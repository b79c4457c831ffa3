"""Places and days of an incident: datelines, namesakes, words that are no places, holidays,
statement days and doubtful timestamps. Example sentences written for this project."""

from datetime import date

import pytest

from workers.extraction import dates, gazetteer, places
from workers.extraction.text import Sentence, split_sentences


def _locate(title: str, text: str, entities: list[tuple[str, str]] = ()):
    """locate() over pattern-found mentions plus the given (name, spaCy label) entities."""
    sentences = ([Sentence(title, 0, "title", 0)] if title else []) + split_sentences(text)
    mentions = []
    for name, label in entities:
        for sentence in sentences:
            at = sentence.text.find(name)
            if at >= 0:
                mentions.append(places.PlaceMention(name, label, sentence, sentence.start + at,
                                                    sentence.start + at + len(name)))
    mentions += (places.country_mentions(sentences) + places.dateline_mentions([s for s in sentences
                                                                                 if s.source == "text"])
                 + places.town_state_mentions(sentences) + places.capital_mentions(sentences))
    event = {(s.source, s.index) for s in sentences}
    return places.locate(places.all_occurrences(mentions, sentences), event, None, frozenset(), sentences)


@pytest.mark.parametrize(("text", "town"), [
    ("DAYTON, Ohio -- A man was shot twice outside a corner store on Friday night.", "Dayton"),
    ("LANSING, MI - Two teenagers were wounded when someone fired into a parked car.", "Lansing"),
    ("(Tupelo, MS) - A woman was found with a gunshot wound in her driveway, deputies said.", "Tupelo"),
    ("ATHENS, Ga. (WXYZ) -- A 30-year-old man died after a shooting at an apartment complex.", "Athens"),
])
def test_a_us_dateline_with_a_state_gives_the_us_whatever_town_abroad_shares_its_name(text, town):
    located = _locate("", text)
    assert located.country_code == "US"
    assert located.location and located.location.lower() == town.lower()


def test_a_dateline_after_page_furniture_is_still_read():
    located = _locate("", "Turn on notifications to follow this story PORTLAND, Ore. -- A man was shot "
                          "in the leg near a bus stop early Sunday.")
    assert located.country_code == "US"


def test_a_news_agency_before_a_dash_is_not_a_dateline():
    found = places.dateline_mentions(split_sentences("Reuters - Troops fired on a convoy near the border town."))
    assert found == []


def test_a_namesake_goes_to_the_country_the_rest_of_the_article_supports():
    located = _locate("", "A man was shot on a porch in Birmingham on Monday. The Jefferson County Sheriff's "
                          "Office said deputies found him in the 400 block of Elm Street.",
                      [("Birmingham", "GPE")])
    assert (located.location, located.country_code) == ("Birmingham", "US")


def test_a_street_named_after_a_town_abroad_gives_no_country_of_its_own():
    assert places.resolve("Glasgow Drive").kind == "street"
    assert places.resolve("Glasgow Drive").country_code is None


def test_a_capitalised_neighbourhood_is_not_a_town_abroad_spelled_like_its_last_word():
    _kind, readings = places.readings_of("West Side")
    assert all(r.country != "TR" for r in readings)
    assert places.resolve("west London").country_code == "GB"


def test_a_demonym_before_a_common_noun_is_no_place_and_names_no_country_by_itself():
    located = _locate("", "Two diners were hurt when a gas heater exploded inside a Thai restaurant in Leeds "
                          "on Friday.", [("Thai", "NORP"), ("Leeds", "GPE")])
    assert (located.location, located.country_code) == ("Leeds", "GB")


def test_where_the_victims_come_from_is_not_where_it_happened():
    located = _locate("Bus crash kills eight", "A bus carrying tourists from Canada overturned on a mountain "
                      "road near Cusco, Peru, killing eight people.", [("Canada", "GPE"), ("Cusco", "GPE")])
    assert (located.location, located.country_code) == ("Cusco", "PE")


def test_the_venue_of_a_later_statement_loses_to_the_place_of_the_attack():
    located = _locate("Market bomb kills 12", "A bomb tore through a crowded market in Kandahar on Tuesday, "
                      "killing 12 people. The minister told reporters in Islamabad that the border would stay "
                      "open.", [("Kandahar", "GPE"), ("Islamabad", "GPE")])
    assert (located.location, located.country_code) == ("Kandahar", "AF")


def test_the_demonym_capital_is_that_countrys_capital():
    assert gazetteer.capital("AF") == "Kabul"
    found = places.capital_mentions(split_sentences("A car bomb went off in the Afghan capital on Sunday."))
    assert [m.text for m in found] == ["Kabul"]


def test_a_state_written_after_a_town_settles_the_country():
    assert places.container_country("Tenn.") == "US"
    assert places.container_country("MI") == "US"
    assert places.container_country("B.C.") == "CA"
    assert places.container_country("England") == "GB"
    assert places.container_country("a neighbour") is None


def test_a_person_named_after_a_county_abroad_is_no_place():
    located = _locate("", "A teenager was shot in the arm in Chicago on Friday, Vargas said.",
                      [("Chicago", "GPE"), ("Vargas", "GPE")])
    assert (located.location, located.country_code) == ("Chicago", "US")


@pytest.mark.parametrize(("phrase", "day"), [
    ("Two men were shot on Christmas Eve outside a bar.", date(2017, 12, 24)),
    ("The fire started on New Year's Day.", date(2017, 1, 1)),
    ("Fireworks injured four people on the Fourth of July.", date(2017, 7, 4)),
    ("The crash happened on Thanksgiving night.", date(2017, 11, 23)),
    ("A man was shot tonight near the park.", date(2017, 12, 28)),
])
def test_holidays_and_tonight_are_resolved_to_their_last_day_before_publication(phrase, day):
    published = date(2017, 12, 28)
    found = dates.find_dates(phrase, published)
    assert found and found[0][0] == day


def test_easter_moves_with_the_year():
    assert dates.holiday("Easter Sunday", 2018) == date(2018, 4, 1)
    assert dates.holiday("Good Friday", 2019) == date(2019, 4, 19)
    assert dates.holiday("Memorial Day", 2018) == date(2018, 5, 28)


def _day(title: str, text: str, published: date) -> date | None:
    sentences = ([Sentence(title, 0, "title", 0)] if title else []) + split_sentences(text)
    about = {(s.source, s.index) for s in sentences if "shot" in s.text or "shooting" in s.text}
    return dates.occurred_on(sentences, [about, about], published)[0]


def test_the_day_of_a_statement_loses_to_the_day_of_the_shooting():
    day = _day("", "A man was shot outside a gas station on Saturday night. Police said Monday the shooting "
                   "was not random.", date(2018, 3, 6))  # a Tuesday
    assert day == date(2018, 3, 3)


def test_an_explicit_day_wins_over_a_relative_day_when_the_timestamp_is_doubtful():
    # The page was crawled months later: "Sunday" resolved against that would be wrong.
    day = _day("", "Deputies said a man was shot Sunday in a parking lot. The shooting on March 4 was the "
                   "second in the county this year.", date(2018, 9, 20))
    assert day == date(2018, 3, 4)


def test_the_day_a_victim_later_died_loses_to_the_day_he_was_shot():
    day = _day("", "A man who was shot in the chest on Friday died Wednesday at a hospital.", date(2018, 3, 8))
    assert day == date(2018, 3, 2)


def test_no_day_named_gives_no_day():
    assert _day("", "A man was shot in the leg.", date(2018, 3, 8)) is None


def test_a_scene_still_unfolding_with_no_day_named_is_of_the_publication_day():
    sentences = split_sentences("A crane toppled onto a row of shops. Three workers remain trapped under the rubble.")
    about = {(s.source, s.index) for s in sentences}
    assert dates.occurred_on(sentences, [about], date(2018, 5, 2)) == (date(2018, 5, 2), sentences[1])


def test_a_statement_verb_before_the_event_word_does_not_make_the_day_a_statement_day():
    sentences = split_sentences("Officials said the bombing on Thursday killed six people. "
                                "The governor said on Saturday that schools would reopen.")
    about = {(sentences[0].source, sentences[0].index)}
    assert dates.occurred_on(sentences, [about], date(2017, 3, 11))[0] == date(2017, 3, 9)


def test_a_police_force_named_after_its_town_places_a_story_that_names_no_other_place():
    sentences = split_sentences("A man was shot twice on a porch late Friday, the Toledo Police Department said.")
    at = sentences[0].text.index("Toledo Police Department")
    force = places.PlaceMention("Toledo Police Department", "ORG", sentences[0], at, at + 24)
    located = places.locate([force], {(s.source, s.index) for s in sentences}, None, frozenset(), sentences)
    assert (located.location, located.country_code) == ("Toledo", "US")


def test_a_us_broadcasters_call_letters_say_the_story_is_american():
    sentences = split_sentences("HARTWELL (WKRT) -- Deputies say a woman was wounded by a stray bullet on Sunday.")
    located = places.locate(places.dateline_mentions(sentences), {(s.source, s.index) for s in sentences},
                            None, frozenset(), sentences)
    assert located.country_code == "US"


def test_a_state_name_alone_is_the_state_not_a_foreign_town_of_that_name():
    from workers.extraction import places

    assert [places.resolve(n).country_code for n in ("Florida", "Arizona", "Colorado", "Montana")] == ["US"] * 4


def test_a_demonym_before_a_region_the_gazetteer_lacks_places_it_in_that_country():
    located = _locate("", "A grenade thrown at a police post in Iraqi Kurdistan wounded four officers on Monday.",
                      [("Iraqi Kurdistan", "GPE")])
    assert (located.location, located.country_code) == ("Iraqi Kurdistan", "IQ")


def test_a_demonym_before_a_sea_is_no_part_of_that_country():
    located = _locate("", "A ferry sank in the Arabian Sea off Karachi, and 14 passengers drowned.",
                      [("Arabian Sea", "LOC"), ("Karachi", "GPE")])
    assert located.country_code == "PK"


def test_a_possessive_written_apart_leaves_the_country_name_clean():
    located = _locate("", "Gunmen shot dead a district judge outside Burkina Faso 's main court on Friday.",
                      [("Burkina Faso 's", "ORG")])
    assert (located.location, located.country_code) == ("Burkina Faso", "BF")


def test_a_place_the_text_calls_a_state_counts_whatever_label_the_recogniser_gave_it():
    located = _locate("", "Soldiers killed nine gunmen in a forest camp, a spokesman for the state of Zamfara said.",
                      [("Zamfara", "PERSON")])
    assert located.country_code == "NG"


def test_a_country_named_as_a_border_is_a_reference_point_not_the_place():
    located = _locate("", "Troops killed 12 rebels in the hills of Kandahar province, bordering Pakistan, the "
                          "army said.", [("Kandahar", "GPE"), ("Pakistan", "GPE")])
    assert located.country_code == "AF"


def test_a_colonial_past_named_by_a_demonym_loses_to_the_country_named():
    located = _locate("", "Rebel soldiers killed the defence minister of Cape Verde on Sunday, in the capital of "
                          "the former Portuguese colony.", [("Cape Verde", "GPE"), ("Portuguese", "NORP")])
    assert located.country_code == "CV"


def test_a_lone_name_opening_a_sentence_weighs_less_than_the_town_it_is_beside():
    located = _locate("", "Two men were shot outside a bar in Smithfield, North Carolina on Sunday. Police "
                          "arrested a suspect. Oldham is being held without bond.",
                      [("Smithfield", "GPE"), ("Oldham", "GPE")])
    assert located.country_code == "US"


def test_an_earlier_event_dated_late_in_the_story_leaves_the_timestamp_trusted():
    # The last sentence dates another, older shooting: "Sunday" still counts from publication.
    day = _day("", "A man was shot by officers on Sunday evening outside a motel. Officers fired four shots. "
                   "The man died at the scene. Nobody else was hurt. The last time officers in the county shot "
                   "someone was on February 17, 2017.", date(2018, 3, 14))  # a Wednesday
    assert day == date(2018, 3, 11)


def test_a_report_naming_no_place_is_placed_by_how_it_writes_the_clock():
    us = places.locate([], set(), None, frozenset(), split_sentences(
        "A woman walked into an emergency room with a gunshot wound at about 11:40 p.m., officers said."))
    assert us.country_code == "US"
    uk = places.locate([], set(), None, frozenset(), split_sentences(
        "A woman walked into an emergency room with a gunshot wound at about 11.40pm, officers said."))
    assert uk.country_code is None


def test_the_clock_never_overrules_a_place():
    located = _locate("", "A tram overturned in Croydon at 6:10 a.m. on Wednesday, killing seven passengers.",
                      [("Croydon", "GPE")])
    assert located.country_code == "GB"
