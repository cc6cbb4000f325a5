"""The daily digest counts what waits for a person beyond their alerts: their
cases with overdue tasks. A number only leaves the server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.cases.services import work
from corridor.core import clock
from corridor.operations.digest import waiting_for

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def test_a_case_with_an_overdue_task_counts_once_for_its_caseworker(open_case, caseworker):
    case = open_case()
    assert waiting_for(caseworker) == 0
    yesterday = clock.today() - timedelta(days=1)
    for title in ("Call the shelter", "Buy the tickets"):
        work.add_task(actor=caseworker, case=case, title=title, due_on=yesterday)
    assert waiting_for(caseworker) == 1
