"""Bar charts as SVG data URIs, drawn on the server with matplotlib (no JavaScript).

Each chart carries its title, axis labels and a text alternative that states
every value, so a screen reader (or a printout without images) loses nothing;
the page shows the chart's table beside it. Text is drawn as paths in
matplotlib's bundled DejaVu Sans, so Cyrillic renders wherever the SVG goes.
The SVG carries no date and fixed ids, so the same figures give the same file.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

STYLE: dict[Any, Any] = {  # matplotlib types its keys as a long Literal
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.fonttype": "path",
    "svg.hashsalt": "corridor-report",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
COLOURS = ("#1f5f8b", "#c26d1a", "#5b8c3a", "#8b3a62", "#6b6b6b")

Series = tuple[str, Sequence[float | None]]
# Off while building a CSV: the same sections, without drawing charts nobody sees.
_drawing: ContextVar[bool] = ContextVar("corridor_report_charts", default=True)


@contextmanager
def charts_off() -> Iterator[None]:
    """Within the block, bar_chart draws nothing and returns None."""
    token = _drawing.set(False)
    try:
        yield
    finally:
        _drawing.reset(token)


@dataclass(frozen=True)
class Chart:
    data_uri: str
    alt: str
    caption: str


def bar_chart(
    *,
    title: str,
    x_label: str,
    y_label: str,
    labels: Sequence[str],
    series: Sequence[Series],
) -> Chart | None:
    """Grouped bars: one group per label, one bar per series; None draws no bar."""
    if not _drawing.get():
        return None
    # Imported here: matplotlib takes a while to load, and only report pages draw.
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(STYLE):
        figure = Figure(figsize=(7.5, 3.4))
        axes = figure.subplots()
        width = 0.8 / max(len(series), 1)
        for number, (name, values) in enumerate(series):
            positions = [i + (number - (len(series) - 1) / 2) * width for i in range(len(labels))]
            heights = [value or 0 for value in values]
            axes.bar(
                positions,
                heights,
                width=width,
                label=name,
                color=COLOURS[number % len(COLOURS)],
            )
        axes.set_title(title)
        axes.set_xlabel(x_label)
        axes.set_ylabel(y_label)
        axes.set_xticks(range(len(labels)))
        slanted = any(len(label) > 10 for label in labels)
        axes.set_xticklabels(
            labels, rotation=25 if slanted else 0, ha="right" if slanted else "center"
        )
        if len(series) > 1:
            axes.legend(frameon=False, fontsize=8)
        # Fixed margins instead of tight_layout, which draws the whole figure once more.
        figure.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.34 if slanted else 0.16)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Chart(
        data_uri=f"data:image/svg+xml;base64,{encoded}",
        alt=_alternative(title, labels, series),
        caption=title,
    )


def _alternative(title: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    """Every value in words: "Title. Label: 12; Label: not shown; …"."""
    parts = []
    for index, label in enumerate(labels):
        values = []
        for name, data in series:
            value = data[index]
            shown = _("not shown") if value is None else _number(value)
            values.append(f"{name} {shown}" if len(series) > 1 else shown)
        parts.append(f"{label}: {', '.join(values)}")
    return f"{title}. " + "; ".join(parts) + "."


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
