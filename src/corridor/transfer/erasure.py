"""Erasing a case forgets that it was ever imported: the row's key and its blind-index
values (keyed hashes of the person's name, phone and document number) are deleted with
the case, so nothing at rest still says this person was on the organisation's sheet, and
a later check of the same sheet no longer answers "imported before" with the case."""

from __future__ import annotations

import uuid

from corridor.core.actors import Actor
from corridor.transfer.models import ImportedRow


def erase_imports_of_case(*, actor: Actor, case_id: uuid.UUID, case_ref: str) -> list[str]:
    """Inside a case's erasure: delete the rows imported as this case (their indexes go
    with them). Their sealed facts are under the case's key, destroyed by the erasure."""
    ImportedRow.objects.filter(case_id=case_id).delete()
    return []
