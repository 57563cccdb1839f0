"""What-if curves as small inline SVG bar charts (no JavaScript), one per threshold, the current value marked."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from segcore.catalog import FieldCatalog
from segcore.explain.whatif import WhatIf
from segcore.explain.whatif_text import rows


@dataclass(frozen=True)
class CurveChart:
    text: str
    chart: Markup


def bar_chart(points: list[tuple[str, int, bool]], label: str, width: int = 520, height: int = 150) -> Markup:
    """Bars of ``(label, size, is current)``; the current one drawn solid, its value in bold."""
    if not points:
        return Markup('<span class="muted">no values</span>')
    top_pad, bottom_pad = 18, 20
    slot = width / len(points)
    high = max(size for _, size, _ in points) or 1
    room = height - top_pad - bottom_pad
    parts = []
    for i, (name, size, current) in enumerate(points):
        bar_h = round(size / high * room, 1)
        x = round(i * slot + slot * 0.15, 1)
        y = round(top_pad + room - bar_h, 1)
        middle = round(i * slot + slot / 2, 1)
        kind = "current" if current else "other"
        weight = ' font-weight="bold"' if current else ""
        parts.append(
            f'<g class="point {kind}"><title>{escape(name)}: {size:,} people{" (now)" if current else ""}</title>'
            f'<rect x="{x}" y="{y}" width="{round(slot * 0.7, 1)}" height="{bar_h}" '
            f'fill="currentColor" fill-opacity="{1 if current else 0.35}"/>'
            f'<text x="{middle}" y="{round(y - 4, 1)}" text-anchor="middle" font-size="10" fill="currentColor">'
            f'{size:,}</text>'
            f'<text x="{middle}" y="{height - 6}" text-anchor="middle" font-size="9" fill="currentColor"'
            f'{weight}>{escape(name)}</text></g>'
        )
    title = f"{label}: " + ", ".join(f"{name} {size:,}" for name, size, _ in points)
    return Markup(
        f'<svg class="chart whatif-chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(parts)}</svg>'
    )


def curve_charts(answer: WhatIf, catalog: FieldCatalog) -> list[CurveChart]:
    charts = []
    for curve in answer.curves:
        text = curve.threshold.text(catalog)
        shown = [(label, size, current) for label, _, size, current in rows(curve, catalog)]
        charts.append(CurveChart(text, bar_chart(shown, text)))
    return charts
