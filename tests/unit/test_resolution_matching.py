"""Matching without services: same event or not, from place, names, text, type and day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from workers.resolution.matching import MATCH, best_match, features, related_types, score
from workers.resolution.material import (
    estimated_jaccard,
    names_in,
    normalise,
    report_material,
    text_minhash,
)

HILLA = ("A truck bomb exploded at the Souk al-Khadra market in Hilla on Tuesday, killing 103 people, "
         "the Babil health directorate said. Governor Karim Saadi declared three days of mourning.")
HILLA_LATER = ("Governor Karim Saadi of Babil said the toll from Tuesday's bombing of the Souk al-Khadra "
               "market in Hilla had been revised to 84 dead after double counting.")
BAGHDAD = ("A car bomb went off at a checkpoint in Karrada, Baghdad, on Tuesday, killing seven people, "
           "an interior ministry spokesman said. Abu Nuwas Street was closed.")


def material(text: str, article_id: int, location: str | None = "Hilla", **row):
    base = {"article_id": article_id, "category": "attack", "event_type": "bombing",
            "location": location, "country_code": "IQ", "occurred_on": date(2026, 3, 3),
            "published_at": datetime(2026, 3, 3, 20, tzinfo=UTC), "facts": {}}
    return report_material({**base, **row}, None, text)


def test_names_are_proper_noun_phrases_without_sentence_starters_or_weekdays():
    names = names_in("The blast hit Hilla on Tuesday. Governor Karim Saadi said Babil would mourn.")
    assert {"hilla", "governor karim saadi", "babil"} <= names
    assert "tuesday" not in names and "the" not in names


def test_place_names_are_compared_without_accents_or_hyphens():
    assert normalise("Mazār-e-Sharif") == "mazar e sharif"


def test_a_lightly_edited_copy_has_a_near_identical_minhash_and_another_text_does_not():
    copy = HILLA.replace("on Tuesday", "late on Tuesday")
    assert estimated_jaccard(text_minhash(HILLA), text_minhash(copy)) > 0.6
    assert estimated_jaccard(text_minhash(HILLA), text_minhash(BAGHDAD)) < 0.2


def test_a_later_report_of_the_same_bombing_matches():
    assert score(material(HILLA_LATER, 2, occurred_on=None), material(HILLA, 1)).score >= MATCH


def test_a_bombing_in_another_city_the_same_day_does_not_match():
    assert score(material(BAGHDAD, 2, location="Baghdad"), material(HILLA, 1)).score < MATCH


def test_another_type_or_country_lowers_the_score_but_never_vetoes_it():
    same = score(material(HILLA_LATER, 2), material(HILLA, 1)).score
    crash = score(material(HILLA_LATER, 2, category="accident", event_type="road_crash"), material(HILLA, 1)).score
    abroad = score(material(HILLA_LATER, 2, country_code="SY"), material(HILLA, 1)).score
    assert 0 < crash < same and 0 < abroad < same


def test_a_country_the_other_text_names_is_no_disagreement():
    # The victims' home country against where it happened: the text names both.
    home = material(HILLA_LATER + " Three Syrian pilgrims were among the dead.", 2, country_code="SY")
    where = material(HILLA + " Pilgrims from Syria were among the victims.", 1)
    assert features(home, where)["country_conflict"] == 0
    assert features(material(HILLA_LATER, 2, country_code="SY"), material(HILLA, 1))["country_conflict"] == 1


def test_a_syndicated_copy_matches_and_names_the_article_it_copies():
    copy = material(HILLA.replace("killing 103", "leaving 103 dead"), 2, location=None)
    match = score(copy, material(HILLA, 1))
    assert match.score == 1.0 and match.copy_of_article == 1


def test_a_far_event_day_lowers_the_score_without_vetoing_it():
    near = score(material(HILLA_LATER, 2, occurred_on=date(2026, 3, 4)), material(HILLA, 1)).score
    weeks_later = score(material(HILLA_LATER, 2, occurred_on=date(2026, 3, 20)), material(HILLA, 1)).score
    assert 0 < weeks_later < near


def test_an_aftermath_report_with_only_a_publish_date_days_later_still_matches():
    later = material(HILLA_LATER, 2, occurred_on=None, published_at=datetime(2026, 3, 7, tzinfo=UTC))
    assert score(later, material(HILLA, 1)).score >= MATCH


def test_the_best_candidate_wins_and_weak_ones_are_ignored():
    report = material(HILLA_LATER, 3, occurred_on=None)
    candidates = {1: material(HILLA, 1), 2: material(BAGHDAD, 2, location="Baghdad")}
    found = best_match(report, candidates)
    assert found is not None and found[0] == 1
    assert best_match(report, {2: candidates[2]}) is None


def test_a_different_place_the_other_text_only_mentions_in_passing_is_no_match():
    near_baghdad = replace(material(HILLA, 1), names=frozenset({"hilla", "baghdad", "babil"}))
    assert score(material(BAGHDAD, 2, location="Baghdad"), near_baghdad).score < MATCH


CHICAGO_1 = ("Two men were shot dead outside a liquor store on South Halsted Street in Chicago on Friday night, "
             "police said. Officer Maria Lopez said the victims, Darnell Hayes and Tony Ruiz, were 24 and 31.")
CHICAGO_2 = ("A teenager was killed and three people were wounded in a shooting at a birthday party in "
             "Chicago's Austin neighbourhood on Wednesday, police spokesman Anthony Guglielmi said.")


def shooting(text: str, article_id: int, day: int):
    when = datetime(2026, 3, day, 22, tzinfo=UTC)
    return material(text, article_id, location="Chicago", event_type="shooting",
                    occurred_on=when.date(), published_at=when)


def test_two_shootings_in_one_city_days_apart_with_nothing_else_in_common_are_two_incidents():
    assert score(shooting(CHICAGO_2, 2, 11), shooting(CHICAGO_1, 1, 6)).score < MATCH


def test_an_aftermath_story_dated_its_own_publish_day_still_joins_the_event():
    named = ("Police have named the victims of Tuesday's truck bombing at the Souk al-Khadra market in Hilla. "
             "Governor Karim Saadi of Babil attended the funerals.")
    later = material(named, 2, occurred_on=date(2026, 3, 6), published_at=datetime(2026, 3, 6, 9, tzinfo=UTC))
    assert score(later, material(HILLA, 1)).score >= MATCH


def test_related_types_span_the_category_and_the_usual_confusions():
    assert {"shooting", "armed_assault", "bombing"} <= set(related_types("shooting"))
    assert "road_crash" in related_types("vehicle_ramming") and "vehicle_ramming" in related_types("road_crash")
    assert "earthquake" not in related_types("shooting")


def test_a_capitalised_sentence_start_the_text_also_writes_in_lower_case_is_not_a_name():
    text = ("Officers found the victim, Darnell Hayes, on Halsted Street. Anyone with information should call. "
            "Two officers stayed at the scene; anyone nearby was asked to leave.")
    names = names_in(text)
    assert "darnell hayes" in names and "halsted street" in names
    assert "officers" not in names and "anyone" not in names


def test_retrieval_keys_leave_out_countries_and_newsroom_boilerplate():
    from workers.resolution.material import retrieval_keys

    keys = retrieval_keys(["hilla"], ["iraq", "facebook", "karim saadi", "souk al khadra"])
    assert keys == ["hilla", "karim saadi", "souk al khadra"]


def test_a_city_and_its_province_agree_and_a_city_in_another_state_does_not():
    from workers.resolution.matching import place_agreement

    baoding = material("A boy fell into a well in Baoding on Sunday.", 1, location="Baoding", country_code="CN")
    hebei = material("A boy was found dead in a well in Hebei province.", 2, location="Hebei", country_code="CN")
    assert place_agreement(hebei, baoding) == 0.75 and place_agreement(baoding, hebei) == 0.75
    chicago = material("Two men were shot in Chicago.", 3, location="Chicago", country_code="US")
    assert place_agreement(material("A man was shot in Illinois.", 4, location="Illinois", country_code="US"),
                           chicago) == 1.0
    assert place_agreement(material("A man was shot in Florida.", 5, location="Florida", country_code="US"),
                           chicago) == 0.0
    # Baghdad is a governorate too, but as a place it is the city: Hilla is not in it.
    assert place_agreement(material(BAGHDAD, 6, location="Baghdad"), material(HILLA, 7)) == 0.0


def test_newsroom_boilerplate_gives_no_names():
    text = ("Copyright 2018 by WJXT News4Jax - All rights reserved. A man was shot on Pine Street. "
            "Stay with News4Jax for updates. Follow Jane Roe on Twitter @janeroe.")
    names = report_material({"article_id": 1, "category": "attack", "event_type": "shooting",
                             "location": "Jacksonville", "country_code": "US", "occurred_on": None,
                             "published_at": None, "facts": {}}, None, text).names
    assert "pine street" in names
    assert not {"wjxt news4jax", "news4jax", "jane roe"} & names


def test_an_incident_is_matched_source_by_source_not_by_the_union_of_its_names():
    from workers.resolution.material import Source

    report = material(CHICAGO_1, 3, location="Chicago", event_type="shooting")
    everything = report.sources[0].names
    half = sorted(everything)
    incident = replace(material(CHICAGO_2, 1, location="Chicago", event_type="shooting"),
                       names=everything,  # the union of its sources holds every name of the report
                       sources=(Source(1, frozenset(half[: len(half) // 3]), frozenset({"chicago"})),
                                Source(2, frozenset(half[len(half) // 3:2 * len(half) // 3]), frozenset())))
    by_union = replace(incident, sources=())
    assert features(report, incident)["names_share"] < features(report, by_union)["names_share"] == 1.0
