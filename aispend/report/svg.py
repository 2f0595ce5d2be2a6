"""Charts as inline SVG, drawn here so the page works offline with no chart library or CDN.

Every mark carries its series, label and exact value as data attributes: the page's tooltips
read them, and the browser test compares them with the marts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape

PALETTE = [
    "#3b6fb6",
    "#e08a2c",
    "#4a9d5b",
    "#c44e52",
    "#8172b2",
    "#937860",
    "#da8bc3",
    "#8c8c8c",
    "#ccb974",
    "#64b5cd",
]
WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 26, 42

Number = Decimal | float | int


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** (len(str(int(value))) - 1)
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def _axis(top: float, unit: str) -> list[str]:
    parts = []
    for i in range(5):
        value = top * i / 4
        y = HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">'
            f"{value:,.0f}</text>"
        )
    parts.append(f'<text x="{LEFT}" y="{TOP - 4}" class="unit">{escape(unit)}</text>')
    return parts


def _x_labels(labels: Sequence[str], step: float) -> list[str]:
    every = max(1, len(labels) // 12)
    return [
        f'<text x="{LEFT + step * (i + 0.5):.1f}" y="{HEIGHT - BOTTOM + 16}" '
        f'text-anchor="middle" class="tick">{escape(label)}</text>'
        for i, label in enumerate(labels)
        if i % every == 0
    ]


def _legend(names: Sequence[str]) -> list[str]:
    parts, x = [], LEFT
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" '
            f'fill="{colour}"/><text x="{x + 14}" y="{HEIGHT - 5}" class="tick">'
            f"{escape(name)}</text>"
        )
        x += 24 + 7 * len(name)
    return parts


def stacked_bars(
    chart_id: str, labels: Sequence[str], series: Mapping[str, Sequence[Number]], unit: str
) -> str:
    """One bar per label, stacked by series (e.g. days x providers)."""
    totals = [sum(float(values[i]) for values in series.values()) for i in range(len(labels))]
    top = _nice_max(max(totals, default=0))
    step = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    scale = (HEIGHT - TOP - BOTTOM) / top
    parts = _axis(top, unit)
    for i, label in enumerate(labels):
        base = float(HEIGHT - BOTTOM)
        for s, (name, values) in enumerate(series.items()):
            value = float(values[i])
            if value <= 0:
                continue
            height = value * scale
            base -= height
            parts.append(
                f'<rect class="mark" x="{LEFT + step * i + step * 0.1:.1f}" y="{base:.1f}" '
                f'width="{step * 0.8:.1f}" height="{height:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}" data-series="{escape(name)}" '
                f'data-label="{escape(label)}" data-value="{values[i]}"/>'
            )
    parts += _x_labels(labels, step) + _legend(list(series))
    return _svg(chart_id, parts)


def lines(
    chart_id: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[Number | None]],
    levels: Mapping[str, Number],
    unit: str,
    dashed: Sequence[str] = (),
) -> str:
    """Lines over labels (e.g. cumulative spend and its forecast) and horizontal levels
    (e.g. budgets)."""
    values = [float(v) for vs in series.values() for v in vs if v is not None]
    top = _nice_max(max([*values, *(float(v) for v in levels.values())], default=0))
    step = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    scale = (HEIGHT - TOP - BOTTOM) / top
    parts = _axis(top, unit)
    for s, (name, points) in enumerate(series.items()):
        colour = PALETTE[s % len(PALETTE)]
        coords = [
            (LEFT + step * (i + 0.5), HEIGHT - BOTTOM - float(v) * scale, v, labels[i])
            for i, v in enumerate(points)
            if v is not None
        ]
        if not coords:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in coords)
        dash = ' stroke-dasharray="6 4"' if name in dashed else ""
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        parts += [
            f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}" '
            f'data-series="{escape(name)}" data-label="{escape(label)}" '
            f'data-value="{v}"/>'
            for x, y, v, label in coords
        ]
    for name, level in levels.items():
        y = HEIGHT - BOTTOM - float(level) * scale
        parts.append(
            f'<line class="mark level" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="#c44e52" stroke-width="2" '
            f'data-series="{escape(name)}" data-label="{escape(name)}" '
            f'data-value="{level}"/><text x="{WIDTH - RIGHT - 4}" y="{y - 5:.1f}" '
            f'text-anchor="end" class="tick">{escape(name)}</text>'
        )
    parts += _x_labels(labels, step) + _legend(list(series))
    return _svg(chart_id, parts)


def hbars(
    chart_id: str, labels: Sequence[str], values: Sequence[Number], unit: str, series: str = "value"
) -> str:
    """Horizontal bars, largest first as given (e.g. runs by cost); negative values to the
    left of the axis (an unused commitment)."""
    row = 24
    height = TOP + row * max(1, len(labels)) + 24
    low = min([0.0, *(float(v) for v in values)])
    high = max([0.0, *(float(v) for v in values)])
    span = _nice_max(high - low) or 1.0
    label_w = 230
    scale = (WIDTH - label_w - RIGHT - 70) / span
    zero = label_w + (-low) * scale
    parts = [
        f'<text x="12" y="{TOP - 2}" class="unit">{escape(unit)}</text>',
        f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{TOP}" y2="{height - 20}" class="grid"/>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + row * i + 4
        width = abs(float(value)) * scale
        x = zero if float(value) >= 0 else zero - width
        colour = PALETTE[0] if float(value) >= 0 else PALETTE[3]
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" class="tick">'
            f"{escape(label[:34])}</text>"
        )
        parts.append(
            f'<rect class="mark" x="{x:.1f}" y="{y}" width="{max(width, 1):.1f}" '
            f'height="16" fill="{colour}" data-series="{escape(series)}" '
            f'data-label="{escape(label)}" data-value="{value}"/>'
        )
        parts.append(
            f'<text x="{x + max(width, 1) + 4:.1f}" y="{y + 13}" class="tick">'
            f"{float(value):,.2f}</text>"
        )
    return _svg(chart_id, parts, height)


def _svg(chart_id: str, parts: list[str], height: int = HEIGHT) -> str:
    return (
        f'<svg id="{escape(chart_id)}" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img">' + "".join(parts) + "</svg>"
    )
