"""keyd's ledger follows an intake request's status: who may read a request while it is
screened is keyd's to decide (tickets.Gatekeeper), not the data database's.

    locked.status = Status.IN_VERIFICATION
    locked.save()
    record_phase(locked)        # in the same service, after the row

Moving on (screened, decided, declined, erased) only takes access away and needs no
ticket; naming the case a request was accepted into takes the decider's own (a
verifier's or coordinator's, by keyd's ledger).
"""

from __future__ import annotations

from corridor.intake.models import IN_SCREENING, UNSCREENED, Request, Status
from corridor.vault import ledger as vault_ledger


def phase_of(status: Status) -> str:
    if status in UNSCREENED:
        return "awaiting"
    if status in IN_SCREENING:
        return "screening"
    return "closed"


def record_phase(request: Request) -> None:
    status = Status(request.status)
    case_id = str(request.case_id) if request.case_id and status != Status.ERASED else None
    vault_ledger.record_screening(
        request_id=str(request.pk), phase=phase_of(status), case_id=case_id
    )
