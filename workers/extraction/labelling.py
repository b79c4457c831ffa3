"""How the trainer judges a candidate against a gold label, one labeller per learned decision.

Gold labels follow docs/labelling.md: figures are lists of accepted integers (None inside a list
accepts an empty figure), a location is a list of accepted names, a day may be a day off.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workers.extraction.learned import Candidate

Labeller = Callable[[Candidate[Any], dict[str, Any], Mapping[str, Any]], float | None]

LABELLERS: dict[str, Labeller] = {}
