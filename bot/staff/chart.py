"""The escalations-by-day chart as inline SVG geometry (no script: the page's CSP allows
none). Bars are stacked by level; the template draws them with a table of the same counts
beside, for screen readers and for a printout."""

from dataclasses import dataclass
from datetime import date
from typing import Dict, List, Sequence, Tuple

WIDTH, HEIGHT = 760, 240
LEFT, BOTTOM, TOP = 36, 28, 12


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    level: str
    count: int
    day: str


@dataclass
class Chart:
    width: int
    height: int
    bars: List[Bar]
    labels: List[Tuple[float, str]]  # x, day label
    ticks: List[Tuple[float, int]]  # y, value
    baseline: float


def stacked_bars(per_day: Sequence[Tuple[date, Dict[str, int]]], levels: Sequence[str]) -> Chart:
    peak = max([sum(counts.values()) for _, counts in per_day] + [1])
    step = max(1, -(-peak // 4))  # about four gridlines
    top_value = step * -(-peak // step)
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - 8) / max(1, len(per_day))
    width = max(2.0, slot * 0.7)
    bars: List[Bar] = []
    labels: List[Tuple[float, str]] = []
    every = max(1, len(per_day) // 10)  # at most about ten day labels
    for n, (day, counts) in enumerate(per_day):
        x = LEFT + n * slot + (slot - width) / 2
        y: float = HEIGHT - BOTTOM
        for level in levels:
            count = counts.get(level, 0)
            if not count:
                continue
            h = plot_h * count / top_value
            y -= h
            bars.append(Bar(x=x, y=y, width=width, height=h, level=level, count=count, day=day.isoformat()))
        if n % every == 0:
            labels.append((x + width / 2, day.strftime("%b %d")))
    ticks = [(HEIGHT - BOTTOM - plot_h * v / top_value, v) for v in range(0, top_value + 1, step)]
    return Chart(width=WIDTH, height=HEIGHT, bars=bars, labels=labels, ticks=ticks, baseline=HEIGHT - BOTTOM)
