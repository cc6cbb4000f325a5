"""Reading a spreadsheet (CSV or XLSX) from bytes in memory into rows of cells.

The file is never written anywhere: the command reads it into memory, the web page takes
the upload into memory only (transfer/uploads.py), and this works on the bytes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils.translation import gettext_lazy as _

from corridor.core.exceptions import InvalidInput

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
FILE_TOO_LARGE = _("The file is larger than 10 MB; split it into parts.")
TOO_MANY_ROWS = _("The file has more than 20,000 rows; split it into parts.")
NOT_A_SHEET = _("This is neither a CSV file nor an Excel (.xlsx) workbook.")
CELL_TOO_LONG = _(
    "A cell of the file is longer than 130,000 characters, or its quotes do not close."
)
NO_HEADER = _("Row %(row)s, where the mapping says the headings are, is empty.")
MISSING_COLUMNS = _("The file has no column called: %(columns)s.")

Cell = str | date
# What openpyxl raises on a damaged or hostile workbook (XML parse errors are
# SyntaxErrors); no key operation happens while reading, so none is hidden here.
_BROKEN = (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError, SyntaxError)


@dataclass(frozen=True)
class SheetRow:
    """One row as the spreadsheet shows it: its number there and its cells by heading."""

    number: int
    cells: dict[str, Cell]

    def text(self, column: str) -> str:
        value = self.cells.get(column, "")
        return value.isoformat() if isinstance(value, date) else value


def read_sheet(data: bytes, *, filename: str, header_row: int = 1) -> list[SheetRow]:
    """The rows below the headings (empty rows left out); InvalidInput for what cannot be
    read."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(str(FILE_TOO_LARGE))
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        grid = _xlsx_grid(data)
    else:
        grid = _csv_grid(data)
    if len(grid) < header_row or not any(grid[header_row - 1]):
        raise InvalidInput(str(NO_HEADER % {"row": header_row}))
    headings = [_heading(cell) for cell in grid[header_row - 1]]
    rows: list[SheetRow] = []
    for offset, values in enumerate(grid[header_row:], start=header_row + 1):
        cells = {
            heading: value
            for heading, value in zip(headings, values, strict=False)
            if heading and value != ""
        }
        if cells:
            rows.append(SheetRow(number=offset, cells=cells))
        if len(rows) > MAX_ROWS:
            raise InvalidInput(str(TOO_MANY_ROWS))
    return rows


def check_columns(wanted: set[str], headings: set[str]) -> None:
    """Refuse a mapping naming columns the file does not have (a typo in a heading)."""
    missing = sorted(wanted - headings)
    if missing:
        raise InvalidInput(str(MISSING_COLUMNS % {"columns": ", ".join(missing)}))


def headings_of(data: bytes, *, filename: str, header_row: int = 1) -> set[str]:
    grid = _xlsx_grid(data) if data[:4] == b"PK\x03\x04" else _csv_grid(data)
    if len(grid) < header_row:
        return set()
    return {_heading(cell) for cell in grid[header_row - 1]} - {""}


def _heading(cell: Cell) -> str:
    return " ".join(str(cell).split())


def _csv_grid(data: bytes) -> list[list[Cell]]:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes every byte
        raise InvalidInput(str(NOT_A_SHEET))
    if "\x00" in text:
        raise InvalidInput(str(NOT_A_SHEET))
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[cell.strip() for cell in line] for line in csv.reader(io.StringIO(text), dialect)]
    except csv.Error:
        raise InvalidInput(str(CELL_TOO_LONG)) from None


def _xlsx_grid(data: bytes) -> list[list[Cell]]:
    # openpyxl is imported here only: the CSV path and the rest of Corridor need it not.
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # ships no types

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _BROKEN:
        raise InvalidInput(str(NOT_A_SHEET)) from None
    try:
        sheet = book.worksheets[0]
        grid: list[list[Cell]] = []
        for values in sheet.iter_rows(values_only=True):
            grid.append([_cell(value) for value in values])
            if len(grid) > MAX_ROWS + 60:
                raise InvalidInput(str(TOO_MANY_ROWS))
        return grid
    except _BROKEN:
        raise InvalidInput(str(NOT_A_SHEET)) from None
    finally:
        book.close()


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())
