"""The step chart of an incident's killed and injured over time: geometry only (the template draws it).

x is when each version became known (valid_from), y the figure; a series steps where its figure
changed, so there is one step per figure change, and it runs flat to the chart's end time (now, or
the as_of moment). Versions that changed no figure (a claim, a place) are ticks on the time axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36
SERIES = ("killed", "injured")


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Series:
    name: str
    path: str                      # SVG path data ("M x y H x V y ...")
    points: tuple[Point, ...]      # one per value it took (its first and each change)

    @property
    def steps(self) -> int:
        """Changes of the figure after its first value."""
        return max(0, len(self.points) - 1)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    series: tuple[Series, ...]
    y_ticks: tuple[tuple[float, str], ...]       # (y, label)
    x_ticks: tuple[tuple[float, str], ...]       # (x, label)
    others: tuple[Point, ...] = field(default=())  # versions that changed no figure
    plot: tuple[float, float, float, float] = (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM)

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)


def nice_ceiling(value: float) -> tuple[float, float]:
    """(top, step): a round top of the y axis at or above `value` and a round tick step (<= 5 ticks)."""
    if value <= 0:
        return 1.0, 1.0
    for step in (10 ** e * m for e in range(0, 12) for m in (1, 2, 5)):
        if value / step <= 5:
            return float(math.ceil(value / step) * step), float(step)
    return float(value), float(value)


def _time_format(span: timedelta) -> str:
    if span <= timedelta(minutes=15):
        return "%H:%M:%S"
    if span <= timedelta(days=1):
        return "%H:%M"
    if span <= timedelta(days=60):
        return "%d %b %H:%M"
    return "%Y-%m-%d"


def build(versions: list[dict[str, Any]], end: datetime) -> Chart:
    """The chart of `versions` (incident_versions rows, by version) up to `end`."""
    if not versions:
        return Chart(WIDTH, HEIGHT, (), (), ())
    start = versions[0]["valid_from"]
    stop = max(end, versions[-1]["valid_from"])
    if stop - start < timedelta(minutes=1):
        stop = start + timedelta(minutes=1)
    x0, y0, x1, y1 = LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM
    span = (stop - start).total_seconds()

    def x(moment: datetime) -> float:
        return round(x0 + (x1 - x0) * (moment - start).total_seconds() / span, 1)

    peak = max((v[name] or 0) for v in versions for name in SERIES)
    top, step = nice_ceiling(peak)

    def y(value: float) -> float:
        return round(y1 - (y1 - y0) * value / top, 1)

    fmt = _time_format(stop - start)
    series = []
    changed_any: set[int] = set()
    for name in SERIES:
        points: list[Point] = []
        path: list[str] = []
        current: int | None = None
        for v in versions:
            value = v[name]
            if value is None or value == current:
                continue
            changed_any.add(v["version"])
            px, py = x(v["valid_from"]), y(value)
            path.append(f"M {px} {py}" if current is None else f"H {px} V {py}")
            label = f"v{v['version']} {v['reason']}, {v['valid_from'].strftime(fmt)}: {value} {name}"
            points.append(Point(px, py, label))
            current = value
        if points:
            path.append(f"H {x(stop)}")
        series.append(Series(name, " ".join(path), tuple(points)))
    others = tuple(Point(x(v["valid_from"]), y1, f"v{v['version']} {v['reason']}, {v['valid_from'].strftime(fmt)}")
                   for v in versions if v["version"] not in changed_any)
    y_ticks = tuple((y(k * step), f"{k * step:g}") for k in range(int(top / step) + 1))
    x_ticks = tuple((x(start + (stop - start) * k / 4), (start + (stop - start) * k / 4).strftime(fmt))
                    for k in range(5))
    return Chart(WIDTH, HEIGHT, tuple(series), y_ticks, x_ticks, others)
