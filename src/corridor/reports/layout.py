"""A report as the pages show it: sections, each a table (with codes for CSV and labels
for people) and perhaps a chart. Built in the reader's language; rendered to HTML,
PDF or CSV by reports.rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from corridor.reports.charts import Chart

Value = int | float | Decimal | str | None


@dataclass(frozen=True)
class Column:
    code: str
    label: str


@dataclass(frozen=True)
class Row:
    """One line: a stable code (for CSV), a label (for people) and its values."""

    code: str
    label: str
    values: tuple[Value, ...]
    total: bool = False

    @property
    def cells(self) -> tuple[str, ...]:
        return tuple(display(value) for value in self.values)


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    description: str = ""
    chart: Chart | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    title: str
    language: str
    generated_on: date
    summary: tuple[str, ...]
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = field(default=())


def display(value: Value) -> str:
    """A value as a table shows it; a dash where there is nothing to show."""
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    return str(value)


def money(minor: float | None) -> Decimal | None:
    """Minor units (cents) as major units, to the cent."""
    if minor is None:
        return None
    return (Decimal(str(minor)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
