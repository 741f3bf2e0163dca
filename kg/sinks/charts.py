"""Bar charts of papers per period as inline SVG, written at build time (no script, no library, nothing fetched):
one bar per period of a continuous range, zero bars included, each bar a stack of coloured parts (e.g. the papers
that propose, evaluate on, use or only mention an entity), with a tooltip (``<title>``) per bar."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

HEIGHT = 120
MARGIN = {"left": 34, "right": 8, "top": 10, "bottom": 20}
SLOT = (6.0, 16.0)  # narrowest and widest room per bar, in px
MAX_WIDTH = 720
LABEL_ROOM = 34  # px between two period labels on the x axis


def _ticks(periods: Sequence[str], slot: float) -> list[int]:
    """Which periods get a label: first and last, and evenly spaced ones between that do not crowd them."""
    if not periods:
        return []
    step = max(1, int(-(-LABEL_ROOM // slot)))
    chosen = list(range(0, len(periods), step))
    last = len(periods) - 1
    if chosen[-1] != last:
        if last - chosen[-1] < step:
            chosen.pop()
        chosen.append(last)
    return chosen


def _plural(count: int, unit: tuple[str, str]) -> str:
    return f"{count:,} {unit[0] if count == 1 else unit[1]}"


def bar_chart(
    periods: Sequence[str],
    values: Sequence[dict[str, int]],
    parts: Sequence[tuple[str, str]],
    unit: tuple[str, str] = ("paper", "papers"),
    height: int = HEIGHT,
) -> dict[str, Any]:
    """The geometry of a stacked bar chart: ``values[i]`` maps each part (``parts``: key and words, bottom part
    first) to its count in ``periods[i]``. Every period gets a bar, a period with nothing a zero bar."""
    n = len(periods)
    plot_width = min(MAX_WIDTH - MARGIN["left"] - MARGIN["right"], max(SLOT[0] * n, min(SLOT[1] * n, 480)))
    slot = plot_width / n if n else plot_width
    left, top, bottom = MARGIN["left"], MARGIN["top"], height - MARGIN["bottom"]
    totals = [sum(value.get(key, 0) for key, _ in parts) for value in values]
    most = max(totals, default=0) or 1
    scale = (bottom - top) / most
    bars = []
    for i, (period, value, total) in enumerate(zip(periods, values, totals, strict=True)):
        x = left + i * slot + slot * 0.1
        y = float(bottom)
        stack = []
        for key, _ in parts:
            count = value.get(key, 0)
            if count:
                size = count * scale
                y -= size
                stack.append({"part": key, "y": round(y, 2), "height": round(size, 2)})
        detail = ", ".join(f"{value[key]:,} {words}" for key, words in parts if value.get(key))
        bars.append(
            {
                "period": period,
                "total": total,
                "x": round(x, 2),
                "width": round(max(slot * 0.8, 1.0), 2),
                "stack": stack,
                "title": f"{period}: {_plural(total, unit)}" + (f" ({detail})" if detail and len(stack) > 1 else ""),
            }
        )
    return {
        "width": round(left + plot_width + MARGIN["right"]),
        "height": height,
        "left": left,
        "right": round(left + plot_width, 2),
        "top": top,
        "bottom": bottom,
        "bars": bars,
        "most": max(totals, default=0),
        "x_ticks": [{"x": round(left + (i + 0.5) * slot, 2), "label": periods[i]} for i in _ticks(periods, slot)],
        "parts": [(key, words) for key, words in parts if any(value.get(key) for value in values)],
    }


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bar_svg(chart: dict[str, Any], label: str) -> Markup:
    """The ``<svg>`` of a ``bar_chart``: axis, largest value, one ``<g class="bar">`` per period (with its tooltip,
    a hover area and its parts, or a thin zero mark) and the period labels. Text is escaped."""
    c, n = chart, _number
    top, bottom, left = c["top"], c["bottom"], c["left"]
    out = [
        f'<svg class="bars" viewBox="0 0 {c["width"]} {c["height"]}" width="{c["width"]}" height="{c["height"]}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>',
        f'<line class="axis" x1="{left}" y1="{bottom}" x2="{n(c["right"])}" y2="{bottom}"/>',
        f'<text class="tick" x="{left - 4}" y="{top + 4}" text-anchor="end">{c["most"]:,}</text>',
        f'<text class="tick" x="{left - 4}" y="{bottom}" text-anchor="end">0</text>',
    ]
    for bar in c["bars"]:
        x, width = n(bar["x"]), n(bar["width"])
        out.append(
            f'<g class="bar" data-period="{escape(bar["period"])}" data-count="{bar["total"]}">'
            f"<title>{escape(bar['title'])}</title>"
            f'<rect class="hit" x="{x}" y="{top}" width="{width}" height="{bottom - top}"/>'
        )
        for part in bar["stack"]:
            out.append(
                f'<rect class="part-{escape(part["part"].lower())}" x="{x}" y="{n(part["y"])}" width="{width}" '
                f'height="{n(part["height"])}"/>'
            )
        if not bar["stack"]:
            out.append(f'<rect class="zero" x="{x}" y="{bottom - 1}" width="{width}" height="1"/>')
        out.append("</g>")
    for tick in c["x_ticks"]:
        label_at = f'x="{n(tick["x"])}" y="{bottom + 14}"'
        out.append(f'<text class="tick" {label_at} text-anchor="middle">{escape(tick["label"])}</text>')
    out.append("</svg>")
    return Markup("\n".join(out))
