"""The rules' words as data: every verb form, plurals, exclusions, one list per use."""

from workers.extraction import event_types, lexicon


def test_a_trigger_verb_is_matched_in_every_form_with_its_slot():
    ramming = lexicon.event_types()["vehicle_ramming"]
    for text in ("A van plows into a crowd of shoppers", "the truck plowed into pedestrians",
                 "a car ploughing into the crowd", "a driver who mowed down six people"):
        assert ramming.find(text), text
    assert not ramming.find("The company plowed money into new stores")


def test_nouns_get_their_plural_including_y_to_ies():
    killed = lexicon.casualties().killed
    import re

    assert re.search(rf"\b(?:{killed})\b", "two fatalities were reported")
    assert re.search(rf"\b(?:{killed})\b", "the bodies of three men")


def test_an_exclusion_voids_a_trigger_inside_it():
    shooting = lexicon.event_types()["shooting"]
    assert not shooting.find("She was shooting a new film in the desert")
    assert not shooting.find("a photo shoot for the magazine")
    assert shooting.find("She was shot in the leg outside the cinema")


def test_every_event_type_of_the_taxonomy_has_words_and_a_category():
    types = lexicon.event_types()
    assert set(event_types.CATEGORY) == set(types)
    assert {t.category for t in types.values()} == {"attack", "accident", "disaster"}
    assert len(types) == 25


def test_names_any_event_sees_generic_words_and_triggers_but_not_figures_of_speech():
    assert event_types.names_any_event("Police are investigating a homicide")
    assert event_types.names_any_event("the ferry capsized off the coast")
    assert not event_types.names_any_event("Sales had a blast of a quarter at the box office")
