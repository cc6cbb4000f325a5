"""The register on the case page and an entry's own pages, as a caseworker uses them:
an expiry warning in words, the custody of an original signed off by two accounts, a scan
linked to its entry, kept with a reason, and a task when it came by messenger."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from corridor.accounts.roles import Role
from corridor.cases.models import CaseAssignment, Task
from corridor.core import clock
from corridor.people.models import CustodyHandover, DocumentFile, DocumentWhereabouts
from tests.cases.conftest import CASE_DB
from tests.factories import register_document, staff_with
from tests.web.conftest import client_for

pytestmark = CASE_DB


def test_a_caseworker_works_an_original_and_its_scans(fx):
    case = fx.case
    soon = clock.today() + timedelta(days=40)
    passport = register_document(fx.owner, case, expires_on=soon, person=fx.principal)
    client = client_for(fx.owner)
    assert client.post(f"/cases/{case.ref}/open/").status_code == 302

    page = client.get(f"/cases/{case.ref}/").content.decode()
    assert f"International passport expires on {soon.isoformat()}" in page
    assert "75 1234567" not in page.split("data-expiry-warning")[1].split("</p>")[0]
    assert 'data-documents-ready="manual"' in page

    # Upload by messenger, linked to the passport on the way in: a task to delete it there.
    tasks = Task.objects.filter(case=case).count()
    response = client.post(
        f"/cases/{case.ref}/files/add/",
        {
            "person": fx.principal.pk,
            "title": "pages 2-3",
            "document": str(passport.pk),
            "by_messenger": "on",
            "upload": SimpleUploadedFile("scan.txt", b"a scan, in words"),
        },
    )
    assert response.status_code == 302, response.content[:600]
    scan = DocumentFile.objects.get(person=fx.principal)
    assert scan.document_id == passport.pk
    assert scan.arrived_by_messenger
    assert Task.objects.filter(case=case).count() == tasks + 1
    page = client.get(f"/cases/{case.ref}/").content.decode()
    assert f'data-document-file="{scan.pk}"' in page

    # Its scans page: unlink, link again, keep with a reason.
    scans = f"/cases/{case.ref}/documents/scans/"
    base = {"document": passport.pk, "file": scan.pk}
    assert client.post(scans, {**base, "action": "unlink"}).status_code == 302
    assert DocumentFile.objects.get(pk=scan.pk).document_id is None
    assert client.post(scans, {**base, "action": "link"}).status_code == 302
    refused = client.post(scans, {**base, "action": "keep", "reason": " "})
    assert refused.status_code == 400
    assert client.post(scans, {**base, "action": "keep", "reason": "appeal"}).status_code == 302
    listing = client.get(f"{scans}?document={passport.pk}").content.decode()
    assert "appeal" in listing
    assert "pages 2-3" in listing

    # Custody: the owner records giving it to a colleague; only the colleague confirms.
    colleague = staff_with(Role.CASEWORKER)
    CaseAssignment.objects.create(case=case, staff=colleague, lead=False)
    custody = f"/cases/{case.ref}/documents/custody/"
    response = client.post(
        custody,
        {
            "document": passport.pk,
            "action": "record",
            "to_kind": "caseworker",
            "to_staff": colleague.pk,
            "handed_on": clock.today().isoformat(),
            "giver_person_confirmed": "on",
        },
    )
    assert response.status_code == 302, response.content[:600]
    handover = CustodyHandover.objects.get(document=passport)
    mine = client.post(
        custody, {"document": passport.pk, "action": "confirm", "handover": handover.pk}
    )
    assert mine.status_code == 400
    assert "another staff account" in mine.content.decode()
    theirs = client_for(colleague).post(
        custody, {"document": passport.pk, "action": "confirm", "handover": handover.pk}
    )
    assert theirs.status_code == 302
    passport.refresh_from_db()
    assert passport.whereabouts == DocumentWhereabouts.WITH_US
    log = client.get(f"{custody}?document={passport.pk}").content.decode()
    assert colleague.username in log
