"""The fictional 2017 list every import and export test starts from, with the catalog its
applications name and the rouble rate its expenses are reported at."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from corridor.cases.services import costs
from corridor.core import clock
from tests.factories import (
    EVACUATION_LIST_MAPPING,
    EvacuationList,
    evacuation_list_2017,
    load_shipped_catalog,
    xlsx_bytes,
)


@pytest.fixture
def evacuation_list(vault_keys, coordinator, caseworker) -> EvacuationList:
    load_shipped_catalog(coordinator)
    costs.set_exchange_rate(
        actor=coordinator,
        currency="RUB",
        per_unit=Decimal("0.0105"),
        as_of=clock.today() - timedelta(days=800),
    )
    return evacuation_list_2017(clock.today(), caseworker=caseworker.username)


@pytest.fixture
def sheet(evacuation_list: EvacuationList, tmp_path: Path) -> tuple[EvacuationList, Path, Path]:
    """The list as a workbook, and its mapping, in files (as the command reads them)."""
    workbook = tmp_path / "list-2017.xlsx"
    workbook.write_bytes(xlsx_bytes(evacuation_list.headings, evacuation_list.rows))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(EVACUATION_LIST_MAPPING, encoding="utf-8")
    return evacuation_list, workbook, mapping
