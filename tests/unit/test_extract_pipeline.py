"""Whole articles through the real spaCy model and the rules (workers.extraction.pipeline).

The articles are written for these tests; none is copied from a newspaper.
"""

from __future__ import annotations

from typing import Any

from workers.extraction.pipeline import extract_articles
from workers.extraction.prefilter import may_report_incident


def incidents_of(article: dict[str, Any]) -> list[dict[str, Any]]:
    """The incidents of one article (not the Celery task workers.extract_task.extract_article)."""
    return extract_articles([article])[0]


SEED_LIKE = {
    "id": "seed",
    "title": "Twin blasts at Kerman memorial ceremony kill 103",
    "published": "2024-01-03T18:00:00Z",
    "text": (
        "Two explosions tore through crowds gathered for a memorial ceremony in the city of Kerman, in "
        "south-eastern Iran, on Wednesday. 103 people have been reported dead and 188 injured, the state "
        "news agency IRNA said, and the death toll is expected to rise. Officials called it a terrorist "
        "attack. No group has claimed responsibility for the bombings so far. The attack came days after a "
        "drone strike in Baghdad last week which killed ten people."
    ),
}


def test_the_seed_like_article_gives_its_bombing_with_toll_place_day_and_no_claim():
    incidents = incidents_of(SEED_LIKE)
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident["primary"] is True
    assert (incident["category"], incident["event_type"]) == ("attack", "bombing")
    assert (incident["location"], incident["country_code"]) == ("Kerman", "IR")
    assert incident["occurred_on"] == "2024-01-03"
    assert (incident["killed"], incident["injured"]) == (103, 188)
    assert incident["claimed_by"] is None and incident["no_claim"] is True
    assert incident["historical"] is False


def test_every_figure_carries_its_sentence_and_offsets_into_its_source():
    incident = incidents_of(SEED_LIKE)[0]
    by_field = {e["field"]: e for e in incident["evidence"]}
    killed = by_field["killed"]
    source = SEED_LIKE["text"] if killed["source"] == "text" else SEED_LIKE["title"]
    assert source[killed["start"]:killed["end"]] == killed["quote"]
    assert "103" in killed["quote"] or "103" in SEED_LIKE["title"]
    assert "103" in source[killed["match_start"]:killed["match_end"]]


def test_sport_business_and_figures_of_speech_are_not_incidents():
    articles = [
        {"id": 1, "title": "Band killed it on stage at sold-out homecoming gig",
         "text": "The singer said the crowd was dead loud and the band killed it. Fans were blown away."},
        {"id": 2, "title": "Champion crashes out in the second round",
         "text": "The top seed crashed out of the tournament after a shot to the head of the goalkeeper."},
        {"id": 3, "title": "Retailer warns of the death of the high street",
         "text": "Sales fell for a third quarter. Shares crashed 12% on the news; analysts were hurt."},
    ]
    assert extract_articles(articles) == [[], [], []]


def test_a_retrospective_on_an_old_incident_is_marked_historical():
    article = {
        "id": "retro", "published": "2014-12-26",
        "title": "Ten years after the tsunami that killed thousands in Aceh",
        "text": ("The tsunami struck the coast of Aceh in Indonesia on 26 December 2004, killing more than "
                 "160,000 people in the province alone. Survivors gathered on Friday to remember them."),
    }
    incident = incidents_of(article)[0]
    assert incident["event_type"] == "tsunami" and incident["country_code"] == "ID"
    assert incident["occurred_on"] == "2004-12-26"
    assert incident["historical"] is True


def test_articles_with_missing_or_odd_fields_do_not_break_the_batch():
    results = extract_articles([{"id": 1}, {"title": None, "text": None, "published": "garbage"},
                                {"text": "x" * 50_000}, SEED_LIKE])
    assert results[:3] == [[], [], []]
    assert results[3][0]["killed"] == 103


def test_the_prefilter_lets_casualty_news_through_and_keeps_markets_out():
    assert may_report_incident(SEED_LIKE["title"], SEED_LIKE["text"])
    assert not may_report_incident("Bank raises rates", "The central bank raised interest rates by half a point.")


def test_the_event_named_first_wins_a_tie_and_a_capitalised_first_word_is_not_a_place():
    article = {
        "id": "w", "published": "2017-03-24", "title": "Tributes paid to victims of bridge attack",
        "text": ("Tributes have been paid to the four people killed when a man drove a car into pedestrians on "
                 "Westminster Bridge in London on Wednesday before stabbing a police officer to death. About "
                 "50 people were injured."),
    }
    incident = incidents_of(article)[0]
    assert incident["event_type"] == "vehicle_ramming"
    assert incident["location"] != "Tributes" and incident["country_code"] == "GB"
    assert (incident["killed"], incident["injured"], incident["occurred_on"]) == (4, 50, "2017-03-22")


def test_one_victim_who_died_later_is_one_killed_on_the_day_of_the_attack():
    article = {
        "id": "s", "published": "2018-05-23", "title": "Ex-soldier dies in hospital after being shot",
        "text": ("A former soldier who was shot in the head outside his home in Belfast last Thursday has died "
                 "in hospital, police said on Monday."),
    }
    incident = incidents_of(article)[0]
    assert (incident["event_type"], incident["killed"], incident["country_code"]) == ("shooting", 1, "GB")
    assert incident["occurred_on"] == "2018-05-17"


def test_markets_reacting_to_an_attack_are_not_the_attack():
    article = {"id": "m", "published": "2017-05-23", "title": "Stock markets tumble after attack fears",
               "text": "Shares fell in London on Tuesday as investors reacted to the attack, which killed 22 people."}
    assert incidents_of(article) == []


def test_a_death_in_a_crash_at_a_stated_age_is_still_an_accident():
    article = {"id": "c", "published": "2018-03-02", "title": "Racing driver dies in road crash",
               "text": "The former racing driver died in a road crash near Turin on Thursday at the age of 50."}
    incident = incidents_of(article)[0]
    assert (incident["event_type"], incident["killed"], incident["country_code"]) == ("road_crash", 1, "IT")


def test_a_political_debate_after_a_shooting_is_not_the_shooting():
    article = {"id": "p", "published": "2017-10-04", "title": "Senate debates gun control after Las Vegas shooting",
               "text": "Senators clashed over gun laws on Tuesday after a gunman killed 58 people in Las Vegas."}
    assert incidents_of(article) == []


def test_a_country_written_after_the_place_settles_a_namesake():
    article = {"id": "s", "published": "2019-02-01", "title": "Car crash in Surrey kills two",
               "text": "Two men died when their car crashed on the A3 in Surrey, England, on Wednesday, police said."}
    incident = incidents_of(article)[0]
    assert (incident["location"], incident["country_code"], incident["killed"]) == ("Surrey", "GB", 2)


def test_a_warehouse_fire_is_a_fire():
    article = {"id": "f", "published": "2019-02-21", "title": "Fire at Dhaka chemical warehouse kills 70",
               "text": ("At least 70 people were killed when a fire ripped through a chemical warehouse in an old "
                        "part of Dhaka late on Wednesday, officials said.")}
    incident = incidents_of(article)[0]
    assert (incident["event_type"], incident["country_code"], incident["killed"]) == ("fire", "BD", 70)
    assert incident["occurred_on"] == "2019-02-20"


def test_a_near_miss_with_nobody_hurt_is_not_an_incident():
    article = {"id": "n", "published": "2017-05-10", "title": "Plane makes emergency landing, nobody hurt",
               "text": ("A passenger jet made an emergency landing at Dublin airport after an engine fire on "
                        "Tuesday. All 180 passengers and crew escaped unhurt, and no one was injured.")}
    assert incidents_of(article) == []


def test_an_aftermath_story_under_a_neutral_headline_keeps_its_incident():
    article = {"id": "a", "published": "2017-06-02",
               "title": "Investigators examine signal records",
               "text": ("The signalman, a 51-year-old man, was questioned as the last of the nine dead was named. "
                        "Investigators said the train had passed a red signal. More than 40 people were injured "
                        "when the train derailed outside Leeds on Wednesday.")}
    incident = incidents_of(article)[0]
    assert (incident["event_type"], incident["killed"], incident["injured"]) == ("rail_crash", 9, 40)
    assert incident["occurred_on"] == "2017-05-31"


def test_a_common_noun_that_is_also_a_town_abroad_is_not_the_place():
    article = {"id": "t", "published": "2018-12-23", "title": "Tsunami kills hundreds in Indonesia",
               "text": ("A tsunami struck coastal towns around the Sunda Strait in Indonesia on Saturday night, "
                        "killing at least 222 people and injuring 843, officials said.")}
    incident = incidents_of(article)[0]
    assert incident["location"] != "Tsunami" and incident["country_code"] == "ID"
    assert (incident["killed"], incident["injured"], incident["occurred_on"]) == (222, 843, "2018-12-22")


def test_a_court_story_about_an_old_attack_is_not_an_incident_but_an_old_attack_recalled_is_historical():
    charged = {"id": "c", "published": "2019-07-16", "title": "Man charged over 1998 market bombing",
               "text": "A man has been charged over the 1998 bombing of a market in Omagh, which killed 29 people."}
    assert incidents_of(charged) == []
    recalled = {"id": "r", "published": "2019-07-16", "title": "Survivors recall 1998 market bombing that killed 29",
                "text": "Survivors of the 1998 bombing of a market in Omagh, which killed 29 people, met on Monday."}
    incident = incidents_of(recalled)[0]
    assert incident["historical"] is True and incident["killed"] == 29


def test_a_victim_sentence_dates_the_incident_over_a_later_press_conference():
    found = incidents_of({"id": "x", "title": "Police to name suspect in winter killing",
                          "text": "Police have a warrant for a suspect in the fatal shooting of a 24-year-old city "
                                  "man. Dario Kemp was killed February 10 in the stairwell of an apartment "
                                  "building on Alder Street. The chief will give details at a press conference "
                                  "Monday.",
                          "published": "2014-08-15T12:00:00Z"})
    assert found and found[0]["occurred_on"] == "2014-02-10"


def test_a_threat_to_kill_is_no_attack_and_its_number_no_toll():
    assert incidents_of({"id": "t", "title": "Rebels vow to kill soldiers who enter the valley",
                         "text": "Rebel commanders vowed on Monday to kill any soldier who enters the valley, "
                                 "a week after troops took the pass.", "published": "2004-10-04T12:00:00Z"}) == []
    found = incidents_of({"id": "h", "title": "Gunmen threaten to kill two seized drivers",
                          "text": "Gunmen who seized two lorry drivers last week threatened on Sunday to kill two "
                                  "of them unless their firm leaves the country.",
                          "published": "2004-10-04T12:00:00Z"})
    assert all(i["killed"] is None for i in found)  # the drivers are held, not dead


def test_a_hostage_beheaded_is_one_killed():
    found = incidents_of({"id": "b", "title": "Hostage beheaded in Mosul",
                          "text": "Kidnappers beheaded a Macedonian engineer in Mosul on Saturday, a video posted "
                                  "by the group showed.", "published": "2004-10-04T12:00:00Z"})
    assert found and found[0]["killed"] == 1


def test_sinking_into_despair_is_no_shipwreck():
    assert incidents_of({"id": "s", "title": "Peace talks: failure could be costly",
                         "text": "It is easy to sink into gloom when the two sides meet again, but the first round "
                                 "of talks ended with a joint statement.", "published": "2004-10-04T12:00:00Z"}) == []


def test_a_call_to_911_is_no_count_and_officers_who_shot_at_a_car_are_no_victims():
    found = incidents_of({"id": "n", "title": "",
                          "text": "A man was shot in the arm on a porch late Saturday, police said. A neighbour kept "
                                  "calling 911 saying her cousin had been hurt.",
                          "published": "2018-03-04T12:00:00Z"})
    assert found and found[0]["injured"] != 911
    found = incidents_of({"id": "o", "title": "Officers shoot driver outside bar",
                          "text": "Two off-duty officers shot at a man who drove at them outside a bar early Sunday. "
                                  "The man was shot in the shoulder and taken to a hospital in stable condition.",
                          "published": "2018-03-04T12:00:00Z"})
    assert found and found[0]["injured"] == 1


def test_a_lead_total_over_victims_told_one_by_one_in_different_places_is_no_incidents_figure():
    found = incidents_of({"id": "r", "title": "",
                          "text": "Two men were taken to hospitals Sunday evening after they were shot in Dayton, "
                                  "police said. A man was shot in the hip on Ridge Avenue around 7 p.m. He is in "
                                  "stable condition. A few hours earlier, a man was shot in the foot on Salem Road.",
                          "published": "2018-03-05T12:00:00Z"})
    assert found and found[0]["injured"] == 1
