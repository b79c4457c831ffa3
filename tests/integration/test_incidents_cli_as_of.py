"""`newswatch incidents list --as-of`: the register as it stood then, from the command line."""

from __future__ import annotations

import json

import pytest

from tests.integration.test_incidents_as_of import ORDER, _resolve_in_order

pytestmark = pytest.mark.integration


def test_incidents_list_as_of_shows_each_incident_at_its_version_then(db, database_url, newswatch):
    done = _resolve_in_order(db, database_url, ORDER)
    hilla = done["first"][0].incident_id
    before_claim = done["revision"][1].isoformat()
    rows = json.loads(newswatch("incidents", "list", "--json", "--as-of", before_claim).stdout)
    by_id = {r["incident_id"]: r for r in rows}
    assert (by_id[hilla]["version"], by_id[hilla]["claimed_by"]) == (2, None)
    text = newswatch("incidents", "list", "--as-of", before_claim).stdout
    assert f"#{hilla}" in text and "claimed by" not in text
    earlier = json.loads(newswatch("incidents", "list", "--json", "--as-of", done["other"][1].isoformat()).stdout)
    assert [r["incident_id"] for r in earlier] == [done["other"][0].incident_id]
    now = json.loads(newswatch("incidents", "list", "--json", "--as-of", "2999-01-01").stdout)
    assert {r["incident_id"]: r["version"] for r in now}[hilla] == 3


def test_a_malformed_as_of_is_one_line_naming_the_option(database_url, newswatch):
    done = newswatch("incidents", "list", "--as-of", "soon")
    assert done.returncode == 1
    assert done.stderr.strip() == "error: --as-of 'soon': give a duration like 6h or 2d, or a date like 2026-03-03"
