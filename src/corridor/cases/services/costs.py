"""Expenses per case, in their currency and in the organisation's reporting currency."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.currencies import ISO_4217
from corridor.cases.models import Case, ExchangeRate, Expense, ExpenseCategory, FundingSource
from corridor.cases.services._base import log, touch
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput

AMOUNT_INVALID = _(
    "An amount is a positive number of the currency's smallest unit (cents, kopecks)."
)
CURRENCY_UNKNOWN = _("Unknown currency: use a three-letter ISO code such as EUR, RUB or USD.")
NO_RATE = _(
    "There is no exchange rate for %(currency)s on or before %(date)s. "
    "An administrator can add one under Exchange rates."
)
DATE_IN_FUTURE = _("An expense cannot be dated in the future.")
RATE_INVALID = _("A rate is a positive number.")
CODE_TAKEN = _("That funding source code is already in use.")


def reporting_currency() -> str:
    return str(getattr(settings, "CORRIDOR_REPORTING_CURRENCY", "EUR"))


@transaction.atomic
def record_expense(
    *,
    actor: Actor,
    case: Case,
    category: ExpenseCategory,
    amount_minor: int,
    currency: str,
    spent_on: date,
    funding_source: FundingSource | None = None,
) -> Expense:
    """Record an expense; its amount in the reporting currency uses the latest rate on or
    before the day it was spent."""
    currency = currency.upper()
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise InvalidInput(str(AMOUNT_INVALID))
    if currency not in ISO_4217:
        raise InvalidInput(str(CURRENCY_UNKNOWN))
    if spent_on > clock.today():
        raise InvalidInput(str(DATE_IN_FUTURE))
    rate: ExchangeRate | None = None
    if currency == reporting_currency():
        converted = amount_minor
    else:
        rate = (
            ExchangeRate.objects.filter(currency=currency, as_of__lte=spent_on)
            .order_by("-as_of")
            .first()
        )
        if rate is None:
            raise InvalidInput(str(NO_RATE % {"currency": currency, "date": spent_on.isoformat()}))
        converted = int(
            (Decimal(amount_minor) * rate.per_unit).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        )
    expense = Expense.objects.create(
        case=case,
        category=category,
        amount_minor=amount_minor,
        currency=currency,
        spent_on=spent_on,
        funding_source=funding_source,
        amount_reporting_minor=converted,
        rate=rate,
    )
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.EXPENSE_RECORDED,
        object_type=ObjectType.EXPENSE,
        object_id=str(expense.pk),
        detail={"category": category, "amount": amount_minor, "currency": currency},
    )
    return expense


@transaction.atomic
def set_exchange_rate(
    *, actor: Actor, currency: str, per_unit: Decimal, as_of: date
) -> ExchangeRate:
    """How many reporting-currency minor units one minor unit of `currency` was worth."""
    currency = currency.upper()
    if currency not in ISO_4217:
        raise InvalidInput(str(CURRENCY_UNKNOWN))
    if per_unit <= 0:
        raise InvalidInput(str(RATE_INVALID))
    rate, _created = ExchangeRate.objects.update_or_create(
        currency=currency, as_of=as_of, defaults={"per_unit": per_unit, "set_at": clock.now()}
    )
    record_event(
        actor=actor,
        event=EventType.EXCHANGE_RATE_SET,
        object_type=ObjectType.EXCHANGE_RATE,
        object_id=str(rate.pk),
        detail={"currency": currency, "as_of": as_of.isoformat(), "per_unit": str(per_unit)},
    )
    return rate


@transaction.atomic
def add_funding_source(*, actor: Actor, code: str, name: str) -> FundingSource:
    if FundingSource.objects.filter(code=code).exists():
        raise InvalidInput(str(CODE_TAKEN))
    source = FundingSource.objects.create(code=code, name=name[:120])
    record_event(
        actor=actor,
        event=EventType.FUNDING_SOURCE_ADDED,
        object_type=ObjectType.FUNDING_SOURCE,
        object_id=str(source.pk),
        detail={"code": code},
    )
    return source
