"""Values as spreadsheets write them: dates the usual ways (day first), amounts with
their thousands and currency signs, currency words, and choices by code, label or the
mapping's own words. Pure."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django.db.models import TextChoices
from django.utils import translation

_RU_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7,
    "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%Y.%m.%d")
_EN_FORMATS = ("%d %B %Y", "%B %d, %Y", "%B %d %Y", "%d %b %Y", "%b %d, %Y")
_CURRENCY_WORDS = {
    "₽": "RUB", "руб": "RUB", "рубли": "RUB", "рублей": "RUB", "р": "RUB", "rur": "RUB",
    "€": "EUR", "евро": "EUR", "eur": "EUR", "$": "USD", "долл": "USD", "usd": "USD",
    "доллары": "USD", "лари": "GEL", "драм": "AMD", "лир": "TRY", "тенге": "KZT",
}  # fmt: skip
_EXCEL_EPOCH = date(1899, 12, 30)

E = TypeVar("E", bound=TextChoices)


def choose(text: str, choices: type[E], values: dict[str, str]) -> E | None:
    """The choice `text` names: through the mapping's `values`, its code, or its label in
    English or Russian (case and spacing ignored)."""
    wanted = " ".join(text.split()).casefold()
    translated = {" ".join(k.split()).casefold(): v for k, v in values.items()}
    code = translated.get(wanted, wanted)
    for member in choices:
        if code == str(member.value).casefold():
            return member
    for language in ("en", "ru"):
        with translation.override(language):
            for member in choices:
                if wanted == str(member.label).casefold():
                    return member
    return None


def parse_date(text: str) -> date | None:
    """A date written the usual ways (day first), or None."""
    cleaned = " ".join(text.replace("г.", "").replace(" года", "").split()).strip(" .")
    if re.fullmatch(r"\d{5}", cleaned):  # an Excel date number pasted as text
        return _EXCEL_EPOCH + timedelta(days=int(cleaned))
    cleaned = re.sub(r"\s*([./-])\s*", r"\1", cleaned)
    for pattern in _FORMATS + _EN_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    match = re.fullmatch(r"(\d{1,2}) ([а-яё]+) (\d{4})", cleaned.lower())
    if match:
        month = next(
            (number for stem, number in _RU_MONTHS.items() if match[2].startswith(stem)), None
        )
        if month is not None and (month != 5 or match[2] in ("мая", "май")):
            try:
                return date(int(match[3]), month, int(match[1]))
            except ValueError:
                return None
    return None


def parse_amount(text: str) -> tuple[int | None, str | None]:
    """(minor units, currency written beside it) from "1 500,50 ₽", "€250", "1,500.00"."""
    currency: str | None = None
    letters = re.sub(r"[\d\s.,'\u00a0\u202f-]", " ", text).split()
    for word in letters:
        currency = currency or parse_currency(word)
    number = re.sub(r"[^\d.,-]", "", text)
    if not number or not re.search(r"\d", number):
        return None, currency
    if "," in number and "." in number:
        decimal = "," if number.rfind(",") > number.rfind(".") else "."
        number = number.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in number:
        head, _, tail = number.rpartition(",")
        number = f"{head.replace(',', '')}.{tail}" if len(tail) <= 2 else number.replace(",", "")
    elif number.count(".") > 1:
        number = number.replace(".", "")
    try:
        amount = Decimal(number)
    except InvalidOperation:
        return None, currency
    minor = int((amount * 100).to_integral_value())
    return (minor if minor > 0 else None), currency


def parse_currency(text: str) -> str | None:
    cleaned = text.strip().strip(".").casefold()
    if not cleaned:
        return None
    if cleaned in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[cleaned]
    for word, code in _CURRENCY_WORDS.items():
        if len(word) > 2 and cleaned.startswith(word):
            return code
    if re.fullmatch(r"[a-z]{3}", cleaned):
        from corridor.cases.currencies import ISO_4217

        return cleaned.upper() if cleaned.upper() in ISO_4217 else None
    return None
