"""Size over time as a small inline SVG: no JavaScript, no chart library, readable on a phone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from markupsafe import Markup, escape

LABELLED_FROM_HEIGHT = 100  # big charts get their dates and extremes written on them


def size_chart(points: Sequence[tuple[datetime, int]], width: int = 320, height: int = 80,
               label: str = "Audience size over time") -> Markup:
    """An SVG line of ``(moment, size)`` points, oldest first; one point is a dot, none a short note."""
    if not points:
        return Markup('<span class="muted">no history yet</span>')
    labelled = height >= LABELLED_FROM_HEIGHT
    pad = 6
    top, bottom = (22, height - 22) if labelled else (pad, height - pad)
    sizes = [size for _, size in points]
    low, high = min(sizes), max(sizes)
    first, last = points[0][0].timestamp(), points[-1][0].timestamp()
    span_t = (last - first) or 1.0
    span_s = (high - low) or 1

    def xy(at: datetime, size: int) -> tuple[float, float]:
        x = pad + (at.timestamp() - first) / span_t * (width - 2 * pad) if len(points) > 1 else width / 2
        y = bottom - (size - low) / span_s * (bottom - top) if high != low else (top + bottom) / 2
        return round(x, 1), round(y, 1)

    coords = [xy(at, size) for at, size in points]
    radius = round(max(2.5, width / 160), 1)
    line = " ".join(f"{x},{y}" for x, y in coords)
    title = f"{label}: {sizes[0]:,} to {sizes[-1]:,} ({len(points)} counts, lowest {low:,}, highest {high:,})"
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="{radius}" fill="currentColor">'
        f'<title>{escape(at.strftime("%Y-%m-%d %H:%M"))} UTC: {size:,}</title></circle>'
        for (x, y), (at, size) in zip(coords, points, strict=True)
    )
    texts = ""
    if labelled:
        start, end = points[0][0].strftime("%Y-%m-%d"), points[-1][0].strftime("%Y-%m-%d")
        texts = (
            f'<g class="labels" font-size="12" fill="currentColor">'
            f'<text x="{pad}" y="14">highest {high:,} · lowest {low:,}</text>'
            f'<text x="{width - pad}" y="14" text-anchor="end">now {sizes[-1]:,}</text>'
            f'<text x="{pad}" y="{height - 6}">{start}</text>'
            f'<text x="{width - pad}" y="{height - 6}" text-anchor="end">{end}</text></g>'
        )
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<polyline fill="none" stroke="currentColor" stroke-width="2" points="{line}"/>{dots}{texts}</svg>'
    )
