"""The fast path: does an article show any sign of an incident before spaCy reads it?

Most news (sport, business, politics) never reports a death, an injury or a disaster in its
headline or lead. A regular expression over those finds the few that might, so only they pay for
the full pipeline. It errs on the side of letting an article through: spaCy and the rules decide.
"""

from __future__ import annotations

import re

from workers.extraction.event_types import TRIGGER_ALTERNATIVES

LEAD_CHARS = 1500

_CASUALTY = re.compile(
    r"\b(?:kill(?:ed|ing|s)?|dead|died|dies|deaths?|death\s+toll|fatalit\w+|injur\w+|wounded|wounding|hurt|"
    r"casualt\w+|victims?|trapped|missing|kidnapp\w+|abduct\w+|hostages?|bodies|hospitali[sz]ed|"
    r"taken\s+to\s+hospital|rescued|rescue|evacuated|shot|stabbed|perished|drowned|destroyed)\b",
    re.IGNORECASE,
)
_EVENT = re.compile(rf"\b(?:{TRIGGER_ALTERNATIVES}|crash(?:ed|es)?|attack(?:ed|s)?|"
                    r"disaster|tragedy|incident|victims?)\b", re.IGNORECASE)


def lead_of(title: str, text: str) -> str:
    return f"{title}\n{text[:LEAD_CHARS]}"


def may_report_incident(title: str, text: str) -> bool:
    """True when the headline or lead names both an event and a casualty (or rescue)."""
    lead = lead_of(title, text)
    return bool(_CASUALTY.search(lead)) and bool(_EVENT.search(lead))
