"""Server-drawn SVG trend lines (no JavaScript; the viewBox scales to a phone's width)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def trend_line(
    points: Sequence[int], *, title: str, width: int = 600, height: int = 120, css: str = "drift-trend"
) -> Markup:
    """A step line of open counts over the recorded scans (oldest left), with its last value."""
    if not points:
        return Markup(f'<p class="muted small">{escape(title)}: no scans recorded yet.</p>')
    pad = 6
    top = max(points) or 1
    step = (width - 2 * pad - 40) / max(len(points) - 1, 1)

    def y(value: int) -> float:
        return height - pad - (height - 2 * pad) * value / top

    coords = []
    for i, value in enumerate(points):
        x = pad + i * step
        if coords:
            coords.append(f"{x:.1f},{coords[-1].split(',')[1]}")  # hold the previous value until this scan
        coords.append(f"{x:.1f},{y(value):.1f}")
    last_x = pad + (len(points) - 1) * step
    return Markup(
        f'<svg class="{css}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f"><title>{escape(title)}</title>"
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" class="drift-axis"/>'
        f'<polyline points="{" ".join(coords)}" class="drift-line"/>'
        f'<text x="{last_x + 6:.1f}" y="{y(points[-1]) + 4:.1f}" class="drift-value">{points[-1]}</text>'
        "</svg>"
    )
