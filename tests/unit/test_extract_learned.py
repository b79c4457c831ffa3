"""The learned-weights seam: rankers and classifiers, shipped weights over hand ones, training."""

import json

import pytest

from workers.extraction import learned, train
from workers.extraction.learned import Candidate, Classifier, Ranker


def test_a_ranker_picks_the_candidate_its_weights_favour_and_keeps_rule_order_on_a_tie():
    ranker = Ranker("test.none_shipped", {"in_title": 2.0, "subgroup": -3.0})
    a = Candidate("a", {"subgroup": 1.0, "in_title": 1.0})
    b = Candidate("b", {"in_title": 1.0})
    c = Candidate("c", {"in_title": 1.0})
    assert ranker.best([a, b, c]).value == "b"
    assert ranker.best([]) is None


def test_decisions_are_recorded_only_inside_recording():
    ranker = Ranker("test.none_shipped", {"x": 1.0})
    classifier = Classifier("test.none_shipped_too", {"x": 1.0}, hand_bias=-1.0)
    ranker.best([Candidate(1, {"x": 1.0})])
    with learned.recording() as decisions:
        ranker.best([Candidate(1, {"x": 1.0}), Candidate(2, {})], field="killed")
        assert classifier.probability({"x": 1.0}) == pytest.approx(0.5)
    assert [(d.model, len(d.candidates), dict(d.context)) for d in decisions] == [
        ("test.none_shipped", 2, {"field": "killed"}), ("test.none_shipped_too", 1, {})]


def test_shipped_weights_replace_the_hand_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(learned, "MODELS", tmp_path)
    learned._trained.cache_clear()
    try:
        (tmp_path / "test.shipped.json").write_text(json.dumps({"weights": {"x": -1.0, "y": 1.0}, "bias": 0.5}))
        ranker = Ranker("test.shipped", {"x": 1.0})
        assert ranker.model.trained
        assert ranker.best([Candidate("x", {"x": 1.0}), Candidate("y", {"y": 1.0})]).value == "y"
    finally:
        learned._trained.cache_clear()


def test_fitting_learns_which_feature_marks_the_right_candidate(tmp_path):
    rows = [({"good": 1.0, "noise": float(i % 2)}, 1.0, "a") for i in range(20)]
    rows += [({"bad": 1.0, "noise": float(i % 2)}, 0.0, "b") for i in range(20)]
    weights, bias, accuracy = train.fit(rows)
    assert weights["good"] > 0 > weights["bad"]
    assert accuracy == 1.0
    path = train.write("test.fitted", weights, bias, len(rows), accuracy, folder=tmp_path)
    assert json.loads(path.read_text())["weights"]["good"] == weights["good"]
    with pytest.raises(ValueError):
        train.fit([({"a": 1.0}, 1.0, "a")])


def test_a_big_corpus_weighs_by_the_square_root_of_its_size():
    rows = [({}, 1.0, "big")] * 400 + [({}, 0.0, "small")] * 4
    weights = train.corpus_weights(rows)
    big, small = weights[0] * 400, weights[-1] * 4
    assert big / small == pytest.approx(10.0)


def test_a_weight_with_a_known_sign_stays_on_its_side_of_zero():
    # In this data "against" happens to go with the right answer; the sign given says it must not.
    rows = [({"for": 1.0, "against": 1.0}, 1.0, "a") for _ in range(10)] + [({}, 0.0, "a") for _ in range(10)]
    free, _, _ = train.fit(rows)
    assert free["against"] > 0
    bounded, _, _ = train.fit(rows, signs={"against": -1.0, "for": 1.0})
    assert bounded.get("against", 0.0) <= 0 < bounded["for"]


def test_decisions_inside_about_carry_its_context():
    ranker = Ranker("test.none_shipped", {"x": 1.0})
    with learned.recording() as decisions, learned.about(primary=False):
        ranker.best([Candidate(1, {"x": 1.0})], choices=1)
    assert dict(decisions[0].context) == {"primary": False, "choices": 1}
