"""Small vector charts drawn on the server, for the PDF report: WeasyPrint runs no JavaScript,
so ECharts cannot draw there. Plain SVG (bars and lines, text in the report's CJK font) stays
sharp at any zoom and costs a few kilobytes; no chart library is needed for two chart kinds.

Each function returns the `<svg>` element as safe HTML, sized by its viewBox (the page's CSS sets
its width). Every label is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# The report's palette: the series in order (the dashboards' ECharts colours).
COLOURS = ("#c0392b", "#2f6f9f", "#e08e0b", "#3a8f5c", "#7a5ea8")
FONT = "Noto Sans CJK SC, sans-serif"
AXIS = "#888"
GRID = "#e3e3e3"


def nice_max(value: float) -> float:
    """A round top for an axis at or above `value` (1, 2, 2.5 or 5 × a power of ten)."""
    if value <= 0:
        return 1
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _text(x: float, y: float, label: object, *, anchor: str = "middle", size: float = 10) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="#333">{escape(str(label))}</text>'
    )


def _legend(names: Sequence[object], x: float, y: float) -> list[str]:
    parts = []
    for i, name in enumerate(names):
        left = x + i * 110
        parts.append(
            f'<rect x="{left:.1f}" y="{y - 8:.1f}" width="10" height="10" '
            f'fill="{COLOURS[i % len(COLOURS)]}"/>'
        )
        parts.append(_text(left + 14, y + 1, name, anchor="start"))
    return parts


def _svg(width: float, height: float, body: list[str], title: object) -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" font-family="{FONT}" role="img" '
        f'class="chart-svg"><title>{escape(str(title))}</title>{"".join(body)}</svg>'
    )


def bars(
    categories: Sequence[object],
    series: Sequence[tuple[object, Sequence[float | None]]],
    *,
    title: object = "",
    width: float = 640,
    height: float = 240,
) -> SafeString:
    """Vertical grouped bars: one group per category (a month), one bar per series."""
    left, right, top, bottom = 40, 10, 24, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = nice_max(max((v or 0 for _n, values in series for v in values), default=0))
    body = _legend([name for name, _v in series], left, 12)
    for i in range(5):  # four grid lines and the axis
        tick = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{AXIS if i == 0 else GRID}" stroke-width="0.6"/>'
        )
        body.append(_text(left - 4, y + 3, _number(tick), anchor="end", size=8))
    count = max(len(categories), 1)
    group = plot_w / count
    bar = group * 0.8 / max(len(series), 1)
    for c, category in enumerate(categories):
        x0 = left + c * group + group * 0.1
        for s, (_name, values) in enumerate(series):
            value = values[c] if c < len(values) else None
            if value:
                h = plot_h * value / top_value
                body.append(
                    f'<rect x="{x0 + s * bar:.1f}" y="{top + plot_h - h:.1f}" '
                    f'width="{bar * 0.92:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS[s % len(COLOURS)]}"/>'
                )
        body.append(_text(left + c * group + group / 2, height - bottom + 13, category, size=8))
    return _svg(width, height, body, title)


def hbars(
    labels: Sequence[object],
    series: Sequence[tuple[object, Sequence[float | None]]],
    *,
    title: object = "",
    width: float = 640,
    row: float = 22,
) -> SafeString:
    """Horizontal grouped bars: one row per label (a community), one bar per series, with the
    number at each bar's end. Tall enough for every row."""
    left, right, top = 110, 40, 24
    height = top + row * max(len(labels), 1) + 20
    plot_w = width - left - right
    top_value = nice_max(max((v or 0 for _n, values in series for v in values), default=0))
    body = _legend([name for name, _v in series], left, 12)
    body.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - 20}" stroke="{AXIS}" '
        'stroke-width="0.6"/>'
    )
    bar = row * 0.8 / max(len(series), 1)
    for r, label in enumerate(labels):
        y0 = top + r * row + row * 0.1
        body.append(_text(left - 6, top + r * row + row / 2 + 3.5, label, anchor="end"))
        for s, (_name, values) in enumerate(series):
            value = values[r] if r < len(values) else None
            w = plot_w * (value or 0) / top_value
            y = y0 + s * bar
            if value:
                body.append(
                    f'<rect x="{left}" y="{y:.1f}" width="{w:.1f}" height="{bar * 0.9:.1f}" '
                    f'fill="{COLOURS[s % len(COLOURS)]}"/>'
                )
            body.append(
                _text(left + w + 3, y + bar * 0.9 - 1, _number(value or 0), anchor="start", size=8)
            )
    return _svg(width, height, body, title)
