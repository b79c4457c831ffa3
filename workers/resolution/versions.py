"""The version policy: what a report changes in an incident, and whether that is a new version.

Pure functions over plain values. The rules (docs/figures-and-versions.md):
- A figure (killed, injured) stands while no NEWER report (by its article's publish time) gives
  another; a report published earlier but processed later only widens the range seen (min, max).
  Two reports published at the same moment: the higher figure stands, so the outcome does not
  depend on which was processed first.
- A new version is written only when a headline field changes: killed, injured, location, type,
  perpetrator, claim. The same figures again change nothing but the list of sources.
- Location: set when unknown, and refined when a report names a more specific place that contains
  the current one ("Kabul" -> "Shash Darak, Kabul"); other disagreements keep the current one.
- Perpetrator and claim: set when unknown; a different later claim does not erase the first.
- The reason says what kind of change it was, most telling first: revised_down (any figure went
  down), toll_update, claim, perpetrator, location_refined, type_changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from workers.resolution.material import normalise

HEADLINE = ("killed", "injured", "location", "event_type", "perpetrator", "claimed_by")
# The evidence field whose quote explains each reason.
QUOTE_FIELDS = {
    "revised_down": ("killed", "injured"), "toll_update": ("killed", "injured"),
    "claim": ("claimed_by", "perpetrator"), "perpetrator": ("perpetrator", "claimed_by"),
    "location_refined": ("location",), "type_changed": ("event_type",),
}


@dataclass(frozen=True)
class State:
    """An incident's headline fields and the bookkeeping behind its figures."""

    category: str
    event_type: str
    location: str | None = None
    country_code: str | None = None
    occurred_on: date | None = None
    killed: int | None = None
    killed_qualifier: str | None = None
    killed_min: int | None = None
    killed_max: int | None = None
    killed_as_of: datetime | None = None
    injured: int | None = None
    injured_qualifier: str | None = None
    injured_min: int | None = None
    injured_max: int | None = None
    injured_as_of: datetime | None = None
    perpetrator: str | None = None
    claimed_by: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> State:
        values: dict[str, Any] = {f.name: row.get(f.name) for f in fields(cls)}
        return cls(**values)


@dataclass(frozen=True)
class Claim:
    """What one report (or, in a merge, another incident) says, and as of when."""

    category: str
    event_type: str
    location: str | None = None
    country_code: str | None = None
    occurred_on: date | None = None
    killed: int | None = None
    killed_qualifier: str | None = None
    injured: int | None = None
    injured_qualifier: str | None = None
    perpetrator: str | None = None
    claimed_by: str | None = None
    killed_as_of: datetime | None = None
    injured_as_of: datetime | None = None
    # Set by the resolver when `occurred_on` is the day most of the incident's sources give: it then
    # replaces the incident's day (not a headline field, so no version); otherwise it only fills a gap.
    settle_day: bool = False
    # Only for merges: the other incident's range seen.
    killed_range: tuple[int | None, int | None] = (None, None)
    injured_range: tuple[int | None, int | None] = (None, None)

    @classmethod
    def from_report(cls, row: Mapping[str, Any]) -> Claim:
        published = row.get("as_of") or row.get("published_at")
        return cls(
            category=row["category"], event_type=row["event_type"], location=row.get("location"),
            country_code=row.get("country_code"), occurred_on=row.get("occurred_on"),
            killed=row.get("killed"), killed_qualifier=row.get("killed_qualifier"),
            injured=row.get("injured"), injured_qualifier=row.get("injured_qualifier"),
            perpetrator=row.get("perpetrator"), claimed_by=row.get("claimed_by"),
            killed_as_of=published, injured_as_of=published,
        )


@dataclass(frozen=True)
class Outcome:
    state: State
    changed_fields: tuple[str, ...]   # headline fields only; empty: no new version
    reason: str | None

    @property
    def is_new_version(self) -> bool:
        return bool(self.changed_fields)


def first_state(claim: Claim) -> Outcome:
    """The first version of an incident created from `claim`."""
    state = State(category=claim.category, event_type=claim.event_type, location=claim.location,
                  country_code=claim.country_code, occurred_on=claim.occurred_on,
                  perpetrator=claim.perpetrator, claimed_by=claim.claimed_by)
    state = _with_figure(state, "killed", claim.killed, claim.killed_qualifier, claim.killed_as_of)
    state = _with_figure(state, "injured", claim.injured, claim.injured_qualifier, claim.injured_as_of)
    changed = tuple(f for f in HEADLINE if getattr(state, f) is not None)
    return Outcome(state, changed, "new")


def apply(state: State, claim: Claim) -> Outcome:
    """The incident after `claim`; a new version only if a headline field changed."""
    new = state
    for name in ("killed", "injured"):
        new = _widen(new, name, getattr(claim, name), getattr(claim, f"{name}_range"))
        if _figure_stands(new, name, getattr(claim, name), getattr(claim, f"{name}_as_of")):
            new = _with_figure(new, name, getattr(claim, name), getattr(claim, f"{name}_qualifier"),
                               getattr(claim, f"{name}_as_of"))
    if (new.location is None and claim.location) or (claim.location and _more_specific(claim.location, new.location)):
        new = replace(new, location=claim.location)
    if new.country_code is None and claim.country_code:
        new = replace(new, country_code=claim.country_code)
    if claim.occurred_on and (new.occurred_on is None or claim.settle_day):
        new = replace(new, occurred_on=claim.occurred_on)
    if claim.event_type != new.event_type:
        new = replace(new, event_type=claim.event_type, category=claim.category)
    if new.perpetrator is None and claim.perpetrator:
        new = replace(new, perpetrator=claim.perpetrator)
    if new.claimed_by is None and claim.claimed_by:
        new = replace(new, claimed_by=claim.claimed_by)
    changed = tuple(f for f in HEADLINE if getattr(new, f) != getattr(state, f))
    return Outcome(new, changed, reason_for(state, new, changed))


def reason_for(old: State, new: State, changed: tuple[str, ...]) -> str | None:
    if not changed:
        return None
    went_down = any(f in changed and getattr(old, f) is not None and getattr(new, f) is not None
                    and getattr(new, f) < getattr(old, f) for f in ("killed", "injured"))
    if went_down:
        return "revised_down"
    if "killed" in changed or "injured" in changed:
        return "toll_update"
    if "claimed_by" in changed:
        return "claim"
    if "perpetrator" in changed:
        return "perpetrator"
    if "location" in changed:
        return "location_refined"
    return "type_changed"


def quote_for(reason: str | None, evidence: Any) -> str | None:
    """The evidence sentence behind a version: the quote for the field that caused it."""
    if not reason or not isinstance(evidence, list):
        return None
    by_field = {e.get("field"): e.get("quote") for e in reversed(evidence)
                if isinstance(e, Mapping) and e.get("quote")}
    for name in QUOTE_FIELDS.get(reason, HEADLINE):
        if by_field.get(name):
            return str(by_field[name])
    return None


def _figure_stands(state: State, name: str, value: int | None, as_of: datetime | None) -> bool:
    """Does `value`, reported as of `as_of`, replace the incident's current figure?"""
    if value is None:
        return False
    current, current_as_of = getattr(state, name), getattr(state, f"{name}_as_of")
    if current is None:
        return True
    if as_of is None:
        return False  # an undated report never displaces a figure
    if current_as_of is None or as_of > current_as_of:
        return True
    return as_of == current_as_of and value > current


def _with_figure(state: State, name: str, value: int | None, qualifier: str | None,
                 as_of: datetime | None) -> State:
    if value is None:
        return state
    state = _widen(state, name, value, (None, None))
    changes: dict[str, Any] = {name: value, f"{name}_qualifier": qualifier, f"{name}_as_of": as_of}
    return replace(state, **changes)


def _widen(state: State, name: str, value: int | None, seen: tuple[int | None, int | None]) -> State:
    values = [v for v in (value, *seen, getattr(state, f"{name}_min"), getattr(state, f"{name}_max"))
              if v is not None]
    if not values:
        return state
    changes: dict[str, Any] = {f"{name}_min": min(values), f"{name}_max": max(values)}
    return replace(state, **changes)


def _more_specific(candidate: str, current: str | None) -> bool:
    """'Shash Darak, Kabul' is a refinement of 'Kabul'; 'Kabul' is not one of 'Shash Darak, Kabul'."""
    if not current:
        return True
    new, old = normalise(candidate), normalise(current)
    return new != old and f" {old} " in f" {new} "


def replay(claims: list[Claim]) -> State:
    """The state the version rules give an incident made of these claims, applied in this order
    (the first makes the incident). Used to recompute an incident from the reports it keeps."""
    if not claims:
        raise ValueError("an incident needs at least one claim")
    state = first_state(claims[0]).state
    for claim in claims[1:]:
        state = apply(state, claim).state
    return state


def most_given(values: list[Any]) -> Any:
    """The value given most often (None left out); ties go to the one given first."""
    counts: dict[Any, int] = {}
    for value in values:
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    if not counts:
        return None
    top = max(counts.values())
    return next(value for value in counts if counts[value] == top)
