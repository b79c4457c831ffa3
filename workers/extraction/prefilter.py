"""The fast path: does an article show any sign of an incident before spaCy reads it?

Most news (sport, business, politics) never reports a death, an injury or a disaster in its
headline or lead. A regular expression over those finds the few that might, so only they pay for
the full pipeline. It errs on the side of letting an article through: spaCy and the rules decide.
"""

from __future__ import annotations

from workers.extraction import lexicon
from workers.extraction.event_types import names_any_event

LEAD_CHARS = 1500
_HARM = lexicon.casualties().harm


def lead_of(title: str, text: str) -> str:
    return f"{title}\n{text[:LEAD_CHARS]}"


def may_report_incident(title: str, text: str) -> bool:
    """True when the headline or lead names both an event and a harm to people (or a rescue)."""
    lead = lead_of(title, text)
    return bool(_HARM.search(lead)) and names_any_event(lead)
