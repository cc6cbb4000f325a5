"""Reading spreadsheets and their cells: what the usual ways of writing dates, phones and
amounts become, and a broken file refused in words, never a crash."""

from __future__ import annotations

from datetime import date

import pytest

from corridor.core.exceptions import InvalidInput
from corridor.transfer.reading import read_sheet
from corridor.transfer.values import parse_amount, parse_currency, parse_date
from tests.factories import xlsx_bytes


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("12.03.2017", date(2017, 3, 12)),
        ("12.03.17", date(2017, 3, 12)),
        ("12/03/2017", date(2017, 3, 12)),
        ("2017-03-12", date(2017, 3, 12)),
        ("12 марта 2017 г.", date(2017, 3, 12)),
        ("3 мая 2017", date(2017, 5, 3)),
        ("12 March 2017", date(2017, 3, 12)),
        ("42806", date(2017, 3, 12)),
        ("32.13.2017", None),
        ("вчера", None),
    ],
)
def test_dates_in_the_usual_formats(written, meant):
    assert parse_date(written) == meant


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("15 000,50", (1500050, None)),
        ("1,500.00", (150000, None)),
        ("€250", (25000, "EUR")),
        ("3200 руб.", (320000, "RUB")),
        ("много", (None, None)),
        ("0", (None, None)),
    ],
)
def test_amounts_in_the_usual_formats(written, meant):
    assert parse_amount(written) == meant


def test_currency_words():
    assert [parse_currency(word) for word in ("руб.", "евро", "usd", "ZZZ", "")] == [
        "RUB",
        "EUR",
        "USD",
        None,
        None,
    ]


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04not a zip at all", b'"never closed;' + b"x" * 200_000, b"\x00\x01\x02"],
)
def test_a_broken_file_is_refused_in_words(data):
    with pytest.raises(InvalidInput):
        read_sheet(data, filename="list.xlsx" if data.startswith(b"PK") else "list.csv")


def test_a_workbook_keeps_its_row_numbers_and_date_cells():
    data = xlsx_bytes(["ФИО", "Дата"], [["Тестов Руслан", date(2017, 3, 12)], ["", ""], ["Б", ""]])
    rows = read_sheet(data, filename="list.xlsx")
    assert [row.number for row in rows] == [2, 4]
    assert rows[0].cells == {"ФИО": "Тестов Руслан", "Дата": date(2017, 3, 12)}
