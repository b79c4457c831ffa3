"""The version policy, without services: which report changes what, and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from workers.resolution.versions import Claim, State, apply, first_state, most_given, quote_for, replay


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def claim(day: int, hour: int = 12, **fields) -> Claim:
    base = Claim(category="attack", event_type="bombing", location="Hilla", country_code="IQ",
                 killed_as_of=at(day, hour), injured_as_of=at(day, hour))
    return replace(base, **fields)


def started(killed=103, injured=188, day=3) -> State:
    return first_state(claim(day, killed=killed, injured=injured)).state


def test_the_first_report_makes_version_one_with_every_known_headline_field():
    outcome = first_state(claim(3, killed=103, injured=188))
    assert outcome.reason == "new"
    assert outcome.changed_fields == ("killed", "injured", "location", "event_type")
    assert (outcome.state.killed_min, outcome.state.killed_max) == (103, 103)


def test_a_lower_toll_in_a_newer_report_makes_a_new_version():
    outcome = apply(started(), claim(4, killed=84, injured=284))
    assert outcome.reason == "revised_down"
    assert (outcome.state.killed, outcome.state.injured) == (84, 284)
    assert (outcome.state.killed_min, outcome.state.killed_max) == (84, 103)
    assert outcome.state.killed_as_of == at(4)


def test_a_higher_toll_is_a_toll_update():
    outcome = apply(started(), claim(4, killed=110))
    assert (outcome.reason, outcome.changed_fields) == ("toll_update", ("killed",))


def test_an_older_report_never_overwrites_a_newer_figure_but_widens_the_range():
    newer = apply(started(day=4), claim(5, killed=84, injured=284)).state
    outcome = apply(newer, claim(3, 20, killed=95, injured=150))
    assert not outcome.is_new_version
    assert (outcome.state.killed, outcome.state.injured) == (84, 284)
    assert (outcome.state.injured_min, outcome.state.injured_max) == (150, 284)


def test_the_same_figures_again_are_not_a_version():
    outcome = apply(started(), claim(4, killed=103, injured=188))
    assert not outcome.is_new_version and outcome.reason is None


def test_a_report_without_figures_keeps_them():
    outcome = apply(started(), claim(5))
    assert (outcome.state.killed, outcome.state.injured) == (103, 188)
    assert not outcome.is_new_version


def test_two_reports_published_at_the_same_moment_settle_on_the_higher_figure_either_way():
    low, high = claim(4, killed=80), claim(4, killed=90)
    one = apply(apply(started(), low).state, high).state
    other = apply(apply(started(), high).state, low).state
    assert one.killed == other.killed == 90


def test_a_claim_of_responsibility_is_its_own_reason():
    outcome = apply(started(), claim(4, killed=103, injured=188, claimed_by="Islamic State"))
    assert (outcome.reason, outcome.changed_fields) == ("claim", ("claimed_by",))


def test_a_later_different_claim_does_not_erase_the_first():
    state = apply(started(), claim(4, claimed_by="Islamic State")).state
    assert apply(state, claim(5, claimed_by="Someone Else")).state.claimed_by == "Islamic State"


def test_a_more_specific_place_refines_the_location_and_a_vaguer_one_does_not():
    refined = apply(started(), claim(4, location="Souk al-Khadra, Hilla"))
    assert (refined.reason, refined.state.location) == ("location_refined", "Souk al-Khadra, Hilla")
    vaguer = apply(refined.state, claim(5, location="Hilla"))
    assert not vaguer.is_new_version and vaguer.state.location == "Souk al-Khadra, Hilla"


def test_figures_and_a_claim_in_one_report_make_one_version_named_for_the_figures():
    outcome = apply(started(), claim(4, killed=84, claimed_by="Islamic State"))
    assert outcome.reason == "revised_down"
    assert set(outcome.changed_fields) == {"killed", "claimed_by"}


def test_the_version_quote_is_the_evidence_for_the_field_that_changed():
    evidence = [{"field": "injured", "quote": "wounding 284"},
                {"field": "claimed_by", "quote": "Islamic State said it carried out the attack"}]
    assert quote_for("claim", evidence) == "Islamic State said it carried out the attack"
    assert quote_for("toll_update", evidence) == "wounding 284"
    assert quote_for("claim", None) is None


def test_a_merge_takes_the_newer_figure_and_joins_the_ranges():
    survivor = started(killed=5, injured=40, day=3)
    other = Claim(category="accident", event_type="bombing", killed=7, killed_as_of=at(4),
                  killed_range=(5, 7), injured_range=(40, 51))
    outcome = apply(survivor, other)
    assert outcome.state.killed == 7
    assert outcome.state.injured == 40
    assert (outcome.state.injured_min, outcome.state.injured_max) == (40, 51)


def test_the_event_day_follows_the_sources_majority_without_a_new_version():
    from datetime import date

    state = first_state(claim(3, occurred_on=date(2026, 3, 1))).state
    gap_only = apply(state, claim(4, occurred_on=date(2026, 3, 3)))
    assert gap_only.state.occurred_on == date(2026, 3, 1)
    settled = apply(state, claim(4, occurred_on=date(2026, 3, 3), settle_day=True))
    assert settled.state.occurred_on == date(2026, 3, 3) and not settled.is_new_version


def test_replaying_an_incidents_reports_gives_the_newest_figure_and_the_range_they_saw():
    state = replay([claim(3, killed=103, injured=188), claim(5, killed=84, injured=284),
                    claim(4, killed=95, injured=150)])
    assert (state.killed, state.injured) == (84, 284)  # the newest stands, an older one only widens
    assert (state.killed_min, state.killed_max, state.injured_min) == (84, 103, 150)


def test_the_value_most_sources_give_wins_and_a_tie_goes_to_the_first_given():
    assert most_given(["shooting", "armed_assault", "armed_assault", None]) == "armed_assault"
    assert most_given(["shooting", "armed_assault"]) == "shooting"
    assert most_given([None, None]) is None
