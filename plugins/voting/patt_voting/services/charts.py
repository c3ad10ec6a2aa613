"""Server-rendered SVG for the results page (no JavaScript, scales to any width) and the
round-by-round transfer rows of an instant-runoff count.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

BAR_HEIGHT = 28
GAP = 10
LABEL_WIDTH = 180
CHART_WIDTH = 600


def bar_chart(rows: list[tuple[str, float]], *, title: str, unit: str = "") -> Markup:
    """Horizontal bars, one per ``(label, value)``; the viewBox makes it shrink on phones."""
    top = max((v for _, v in rows), default=0) or 1
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    span = CHART_WIDTH - LABEL_WIDTH - 70
    parts = [
        f'<svg class="vote-chart" viewBox="0 0 {CHART_WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(rows):
        y = GAP + i * (BAR_HEIGHT + GAP)
        width = max(2.0, span * value / top) if value else 0
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.68:.1f}" text-anchor="end" class="vote-chart-label">'
            f"{escape(short)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" rx="4" '
            f'class="vote-chart-bar{" lead" if i == 0 and value else ""}"><title>{escape(label)}: {value:g}{unit}</title></rect>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR_HEIGHT * 0.68:.1f}" class="vote-chart-value">'
            f"{value:g}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def round_table(result: dict[str, Any]) -> dict[str, Any]:
    """Rows (candidate -> votes per round, blank once out) and each round's transfers.

    A transfer row says where the eliminated entry's votes went: the change in every
    other entry's count between the round and the next, plus the ballots exhausted.
    """
    rounds = result["rounds"]
    names = [s["candidate"] for s in result["standings"]]
    rows = [{"name": n, "votes": [r["counts"].get(n) for r in rounds]} for n in names]
    transfers = []
    for before, after in zip(rounds, rounds[1:], strict=False):
        moved = {
            name: after["counts"][name] - before["counts"].get(name, 0)
            for name in after["counts"]
            if after["counts"][name] != before["counts"].get(name, 0)
        }
        transfers.append(
            {
                "round": before["round"],
                "from": before["eliminated"],
                "to": moved,
                "exhausted": after["exhausted"] - before["exhausted"],
                "tie_break": before["tie_break"],
            }
        )
    return {"rounds": [r["round"] for r in rounds], "rows": rows, "transfers": transfers}
