"""A small SVG plot writer: panels of polylines, laid out for ``templates/docs/plot.svg.j2``.

symact draws its plots itself instead of depending on matplotlib: a plot here
is axes, tick labels, polylines and a legend, which SVG states directly, and
writing them from data we control keeps the output byte-identical run to run
(no dates, no random ids, coordinates printed to 0.01 px) with no optional
dependency, so ``symact generate --check`` covers the plots everywhere.

:func:`figure` takes :class:`Panel` objects (data coordinates) and returns the
template context: every coordinate, path and label already printed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

#: Colours of the series, in order (the Tableau 10 palette: distinct, and legible
#: by readers with the common colour-vision deficiencies).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f")
GREY = "#9a9a9a"
RED = "#d62728"

PANEL_W, PANEL_H = 360, 230
MARGIN = {"left": 52, "right": 14, "top": 26, "bottom": 38}
LEGEND_ROW = 18


@dataclass
class Series:
    """A line: ``segments`` are lists of (x, y) in data coordinates; a gap between
    segments is a gap in the line (a jump, a bin without data)."""

    label: str
    segments: list
    color: str
    dash: str = ""
    width: float = 1.6
    #: points drawn as dots (the value at a jump)
    dots: list = field(default_factory=list)


@dataclass
class Panel:
    title: str
    x_range: tuple
    y_range: tuple
    x_ticks: list            # [(value, label)]
    y_ticks: list            # [(value, label)]
    series: list
    y_log: bool = False
    x_label: str = ""
    y_label: str = ""
    #: horizontal reference lines: (y, label, colour)
    hlines: list = field(default_factory=list)
    #: x positions (data) of non-finite results, marked at the top edge
    marks: list = field(default_factory=list)


def _n(v: float) -> str:
    """A coordinate, printed to 0.01 px without a trailing zero or a negative zero."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten."""
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / max(target - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks, t = [], first
    while t <= hi + 1e-9 * step:
        ticks.append(0.0 if abs(t) < step * 1e-9 else round(t, 12))
        t += step
    return ticks


def tick_label(v: float) -> str:
    """A tick value as text: ``-2``, ``0.5``, ``1e+10``."""
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 1e-3:
        mant, exp = f"{v:.0e}".split("e")
        return f"{mant}e{int(exp)}"
    return f"{v:g}"


class _Scale:
    def __init__(self, panel: Panel, ox: float, oy: float):
        self.p = panel
        self.x0, self.x1 = panel.x_range
        self.y0, self.y1 = (math.log10(v) for v in panel.y_range) if panel.y_log else panel.y_range
        self.left = ox + MARGIN["left"]
        self.top = oy + MARGIN["top"]
        self.w = PANEL_W - MARGIN["left"] - MARGIN["right"]
        self.h = PANEL_H - MARGIN["top"] - MARGIN["bottom"]

    def x(self, v: float) -> float:
        return self.left + (v - self.x0) / (self.x1 - self.x0) * self.w

    def y(self, v: float) -> float:
        if self.p.y_log:
            v = math.log10(max(v, 10 ** self.y0))
        v = min(max(v, self.y0), self.y1)  # values beyond the range sit on its edge
        return self.top + (self.y1 - v) / (self.y1 - self.y0) * self.h


def _panel(panel: Panel, ox: float, oy: float) -> dict:
    s = _Scale(panel, ox, oy)
    lines = []
    for series in panel.series:
        for seg in series.segments:
            if len(seg) < 2:
                continue
            pts = " ".join(f"{_n(s.x(a))},{_n(s.y(b))}" for a, b in seg)
            lines.append({"points": pts, "color": series.color, "dash": series.dash,
                          "width": _n(series.width)})
    dots = [{"cx": _n(s.x(a)), "cy": _n(s.y(b)), "color": series.color}
            for series in panel.series for a, b in series.dots]
    bottom = s.top + s.h
    return {
        "title": panel.title, "title_x": _n(s.left + s.w / 2), "title_y": _n(oy + 16),
        "frame": {"x": _n(s.left), "y": _n(s.top), "w": _n(s.w), "h": _n(s.h)},
        "clip": f"p{int(ox)}_{int(oy)}",
        "x_ticks": [{"x": _n(s.x(v)), "y0": _n(bottom), "y1": _n(s.top), "label": lab,
                     "ly": _n(bottom + 14)} for v, lab in panel.x_ticks],
        "y_ticks": [{"y": _n(s.y(v)), "x0": _n(s.left), "x1": _n(s.left + s.w), "label": lab,
                     "lx": _n(s.left - 5), "ly": _n(s.y(v) + 3.5)} for v, lab in panel.y_ticks],
        "x_label": panel.x_label, "x_label_x": _n(s.left + s.w / 2), "x_label_y": _n(bottom + 30),
        "y_label": panel.y_label, "y_label_x": _n(ox + 12), "y_label_y": _n(s.top + s.h / 2),
        "hlines": [{"y": _n(s.y(v)), "x0": _n(s.left), "x1": _n(s.left + s.w), "label": lab, "color": c,
                    "lx": _n(s.left + s.w - 3), "ly": _n(s.y(v) - 3)} for v, lab, c in panel.hlines],
        "marks": [{"x": _n(s.x(v)), "y": _n(s.top + 4)} for v in panel.marks],
        "lines": lines, "dots": dots,
    }


def figure(title: str, panels: list[Panel], columns: int = 1, note: str = "") -> dict:
    """The template context of a figure: ``panels`` in rows of ``columns``, one legend
    (every distinct series label with its colour and dash) below them."""
    rows = math.ceil(len(panels) / columns)
    legend, seen = [], set()
    for p in panels:
        for series in p.series:
            if series.label not in seen:
                seen.add(series.label)
                legend.append(series)
    if any(p.marks for p in panels):
        legend_marks = [{"label": "non-finite result (exact value finite)"}]
    else:
        legend_marks = []
    width = PANEL_W * columns
    top = 22 if title else 0
    height_panels = top + PANEL_H * rows
    per_row = max(1, width // 170)
    items = [*({"label": s.label, "color": s.color, "dash": s.dash, "mark": False} for s in legend),
             *({"label": m["label"], "color": RED, "dash": "", "mark": True} for m in legend_marks)]
    placed = []
    for i, item in enumerate(items):
        x = 12 + (i % per_row) * (width - 24) / per_row
        y = height_panels + 10 + (i // per_row) * LEGEND_ROW
        placed.append({**item, "x0": _n(x), "x1": _n(x + 22), "y": _n(y), "tx": _n(x + 28), "ty": _n(y + 4)})
    legend_rows = math.ceil(len(items) / per_row)
    note_y = height_panels + 10 + legend_rows * LEGEND_ROW + 6
    height = note_y + (16 if note else 0)
    return {
        "width": width, "height": int(math.ceil(height)), "title": title, "title_x": _n(width / 2),
        "panels": [_panel(p, (i % columns) * PANEL_W, top + (i // columns) * PANEL_H)
                   for i, p in enumerate(panels)],
        "legend": placed, "note": note, "note_y": _n(note_y + 4),
    }
