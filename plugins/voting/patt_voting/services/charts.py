"""Server-rendered SVG for the results page (no JavaScript, scales to any width) and the
round-by-round transfer rows of an instant-runoff count.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

# Each entry's name sits on its own line above its bar, so the drawing stays narrow: at
# 390 px the chart is drawn about 330 px wide (a scale of ~0.83), keeping 14-unit text at
# 11 px or more; beside the bars the names would shrink to ~6 px.
LABEL_HEIGHT = 18
BAR_HEIGHT = 20
GAP = 10
CHART_WIDTH = 400
VALUE_ROOM = 60  # right of the longest bar, for its value
MAX_LABEL = 50


def bar_chart(rows: list[tuple[str, float]], *, title: str, unit: str = "") -> Markup:
    """Horizontal bars, one per ``(label, value)``; the viewBox makes it shrink on phones."""
    top = max((v for _, v in rows), default=0) or 1
    row_height = LABEL_HEIGHT + BAR_HEIGHT + GAP
    height = len(rows) * row_height + GAP
    span = CHART_WIDTH - VALUE_ROOM
    parts = [
        f'<svg class="vote-chart" viewBox="0 0 {CHART_WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(rows):
        y = GAP + i * row_height
        bar_y = y + LABEL_HEIGHT
        width = max(2.0, span * value / top) if value else 0
        short = label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
        parts.append(
            f'<text x="0" y="{y + LABEL_HEIGHT - 5}" class="vote-chart-label">{escape(short)}</text>'
            f'<rect x="0" y="{bar_y}" width="{width:.1f}" height="{BAR_HEIGHT}" rx="4" '
            f'class="vote-chart-bar{" lead" if i == 0 and value else ""}"><title>{escape(label)}: {value:g}{unit}</title></rect>'
            f'<text x="{width + 6:.1f}" y="{bar_y + BAR_HEIGHT * 0.75:.1f}" class="vote-chart-value">'
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
