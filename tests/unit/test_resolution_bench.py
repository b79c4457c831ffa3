"""The linking bench's scoring (ops.bench.linking), without services."""

from __future__ import annotations

import pytest

from ops.bench.linking import bcubed, figure_ok, gold_events, newest_figure


def test_bcubed_is_perfect_for_the_same_clustering_under_other_names():
    assert bcubed({"a": 1, "b": 1, "c": 2}, {"a": "x", "b": "x", "c": "y"}) == (1.0, 1.0, 1.0)


def test_bcubed_punishes_a_split_in_recall_and_a_lump_in_precision():
    gold = {"a": "x", "b": "x", "c": "y", "d": "y"}
    split_p, split_r, _ = bcubed({"a": 1, "b": 2, "c": 3, "d": 3}, gold)
    assert split_p == 1.0 and split_r == pytest.approx(0.75)
    lump_p, lump_r, lump_f = bcubed(dict.fromkeys(gold, 1), gold)
    assert lump_r == 1.0 and lump_p == pytest.approx(0.5) and lump_f == pytest.approx(2 / 3)


def label(aid, cluster, event_type="rail_crash", place="Croydon", published="2016-11-09 10:00:00",
          killed=None, injured=None):
    return {"id": aid, "cluster": cluster, "published": published,
            "incident": {"event_type": event_type, "country_code": "GB", "location": [place],
                         "killed": killed, "injured": injured}}


def test_clusters_labelled_as_the_same_event_become_one_event():
    labels = {"1": label("1", "tram"), "2": label("2", "tram victims"),
              "3": label("3", "shooting", event_type="shooting", place="Leeds"),
              "4": {"id": "4", "cluster": "f1", "published": None, "incident": None}}
    events = gold_events(labels)
    assert events["1"] == events["2"] != events["3"] and "4" not in events


def test_the_newest_labelled_figure_is_wanted_and_a_vague_one_accepts_none():
    labels = [label("1", "t", published="2016-11-09 10:00:00", killed=[5]),
              label("2", "t", published="2016-11-12 10:00:00", killed=[7]),
              label("3", "t", published="2016-11-13 10:00:00", killed=None)]
    assert newest_figure(labels, "killed") == [7]
    assert newest_figure(labels, "injured") is None
    assert figure_ok(7, [7]) and not figure_ok(5, [7])
    assert figure_ok(None, [24, 12, None]) and figure_ok(None, None) and not figure_ok(3, None)
