"""Erasure from the case page: one coordinator asks, a second agrees under Approvals, the
one who asked erases; a caseworker cannot ask, and nobody erases on their own word."""

from __future__ import annotations

import pytest

from corridor.accounts.models import Approval, ApprovalKind
from corridor.accounts.roles import Role
from corridor.cases.models import Case
from tests.accounts.helpers import form_token
from tests.cases.conftest import CASE_DB
from tests.factories import StaffFactory
from tests.web.conftest import client_for

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]


def post(client, path: str, data: dict[str, str]):
    return client.post(path, {"csrfmiddlewaretoken": form_token(client, path), **data})


def test_erasure_is_asked_on_the_case_page_agreed_by_a_second_coordinator_then_carried_out(fx):
    case = fx.case
    asker = client_for(fx.coordinator)
    page = asker.get(f"/cases/{case.ref}/").content.decode()
    assert f"/cases/{case.ref}/erase/request/" in page

    # Without a second coordinator's agreement, the erase page refuses.
    refused = post(asker, f"/cases/{case.ref}/erase/", {"confirm": "on"})
    assert refused.status_code == 400
    assert Case.objects.get(pk=case.pk).erased_at is None

    asked = post(asker, f"/cases/{case.ref}/erase/request/", {"reason": "requester_asked"})
    assert asked.status_code == 302
    approval = Approval.objects.get(kind=ApprovalKind.ERASE_CASE, target_id=str(case.pk))
    assert "second coordinator decides" in asker.get(f"/cases/{case.ref}/").content.decode()

    other = client_for(StaffFactory(roles=[Role.COORDINATOR]))
    decided = other.post(
        f"/approvals/{approval.pk}/grant/",
        {"csrfmiddlewaretoken": form_token(other, "/approvals/")},
    )
    assert decided.status_code == 302

    assert f"/cases/{case.ref}/erase/" in asker.get(f"/cases/{case.ref}/").content.decode()
    done = post(asker, f"/cases/{case.ref}/erase/", {"confirm": "on"})
    assert done.status_code == 302
    assert Case.objects.get(pk=case.pk).erased_at is not None
    assert asker.get(f"/cases/{case.ref}/").status_code == 404


def test_a_caseworker_cannot_ask_to_erase(fx):
    client = client_for(fx.owner)
    assert (
        f"/cases/{fx.case.ref}/erase/request/"
        not in client.get(f"/cases/{fx.case.ref}/").content.decode()
    )
    assert client.get(f"/cases/{fx.case.ref}/erase/request/").status_code == 404
    assert not Approval.objects.filter(kind=ApprovalKind.ERASE_CASE).exists()


def test_a_coordinator_cancels_a_planned_deletion_from_the_request_page(settings):
    """The request page says when the deletion happens; a coordinator's button stops it
    and the person is told in their conversation."""
    from corridor.intake.models import Author, Message, Request
    from corridor.intake.services.deletion import ask_for_deletion
    from tests.factories import REQUESTER, new_token, write
    from tests.portal_helpers import FAST_KDF

    settings.CORRIDOR_CODENAME_KDF = FAST_KDF
    written = write()
    ask_for_deletion(actor=REQUESTER, session=written.session, form_token=new_token())
    coordinator = client_for(StaffFactory(roles=[Role.COORDINATOR]))
    page = f"/requests/{written.request.pk}/"
    assert 'id="deletion-due"' in coordinator.get(page).content.decode()
    verifier = client_for(StaffFactory(roles=[Role.VERIFIER]))
    refused = verifier.post(
        f"{page}deletion/cancel/", {"csrfmiddlewaretoken": form_token(verifier, page)}
    )
    assert refused.status_code == 403
    assert Request.objects.get(pk=written.request.pk).deletion_due_at is not None

    done = coordinator.post(
        f"{page}deletion/cancel/", {"csrfmiddlewaretoken": form_token(coordinator, page)}
    )
    assert done.status_code == 302
    assert Request.objects.get(pk=written.request.pk).deletion_due_at is None
    assert Message.objects.filter(request=written.request, author=Author.TEAM).count() == 2
