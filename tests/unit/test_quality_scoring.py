"""The quality benchmark's scorer follows the evaluation's rules."""

from ops.bench.scoring import score


def _label(key, incident, **extra):
    return {"id": key, "incident": incident, **extra}


SHOOTING = {"category": "attack", "event_type": "shooting", "country_code": "US", "occurred_on": "2020-05-02",
            "killed": [1], "injured": [0, None], "location": None, "claimed_by": None, "historical": False}


def test_a_missed_incident_counts_wrong_on_every_field():
    articles = [{"id": "a"}, {"id": "b"}]
    labels = [_label("a", SHOOTING), _label("b", SHOOTING)]
    found = dict(SHOOTING, killed=1, injured=None, primary=True)
    result = score(articles, labels, [{"id": "a", "incidents": [found]}, {"id": "b", "incidents": []}])
    assert (result.tp, result.fn) == (1, 1)
    assert result.accuracy["killed"] == 0.5
    assert result.accuracy["injured"] == 0.5  # null is accepted where the label allows it


def test_uncertain_and_historical_labels_are_not_scored_and_a_date_may_be_a_day_off():
    articles = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    labels = [_label("a", SHOOTING, uncertain=True), _label("b", dict(SHOOTING, historical=True)),
              _label("c", SHOOTING)]
    found = dict(SHOOTING, killed=2, injured=0, occurred_on="2020-05-03", primary=True)
    result = score(articles, labels, [{"id": "c", "incidents": [found]}])
    assert result.gold_incidents == 1
    assert result.accuracy["occurred_on"] == 1.0
    assert result.accuracy["killed"] == 0.0
    assert result.accuracy["injured"] == 1.0


def test_a_spurious_incident_lowers_precision_and_the_primary_one_is_compared():
    articles = [{"id": "a"}, {"id": "b"}]
    labels = [_label("a", None), _label("b", SHOOTING)]
    other = dict(SHOOTING, event_type="stabbing", primary=False)
    main = dict(SHOOTING, killed=1, primary=True)
    result = score(articles, labels, [{"id": "a", "incidents": [main]}, {"id": "b", "incidents": [other, main]}])
    assert (result.tp, result.fp) == (1, 1)
    assert result.precision == 0.5
    assert result.accuracy["event_type"] == 1.0
