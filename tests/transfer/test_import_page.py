"""The coordinator's import page: upload → preview → confirm, as the command does it; the
upload is held sealed in between and shredded after."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from corridor.accounts.roles import Role
from corridor.cases.models import Case
from corridor.transfer.models import HeldUpload, SavedMapping
from tests.cases.conftest import CASE_DB
from tests.factories import (
    EVACUATION_LIST_MAPPING,
    staff_with,
    xlsx_bytes,
)
from tests.web.conftest import client_for

pytestmark = CASE_DB


def test_a_coordinator_checks_then_imports_and_the_upload_is_shredded(evacuation_list, coordinator):
    """In Russian: the preview names each refused row's column and the duplicate and
    writes no case; confirming writes the three good rows; the sealed upload is gone."""
    listing = evacuation_list
    client = client_for(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    page = client.get("/import/")
    assert page.status_code == 200
    assert "Импорт дел из таблицы" in page.content.decode()
    upload = SimpleUploadedFile("list.xlsx", xlsx_bytes(listing.headings, listing.rows))
    preview = client.post(
        "/import/",
        {"sheet": upload, "mapping": EVACUATION_LIST_MAPPING, "save_as": "list-2017"},
    )
    body = preview.content.decode()
    assert preview.status_code == 200, body[:2000]
    assert "не дата" in body
    assert "Дата рождения" in body
    assert "Тот же человек, что в строке 2" in body
    assert Case.objects.count() == 0
    assert SavedMapping.objects.filter(name="list-2017").exists()
    held = HeldUpload.objects.get()
    assert held.content is not None
    assert "Тестов" not in repr(held.content)
    done = client.post("/import/confirm/", {"held": str(held.pk)})
    assert done.status_code == 200
    assert Case.objects.count() == listing.created
    assert not HeldUpload.objects.exists()


def test_only_coordinators_may_import(vault_keys, db):
    client = client_for(staff_with(Role.CASEWORKER))
    assert client.get("/import/").status_code == 403
    assert client.post("/import/confirm/", {"held": "x"}).status_code == 403


def test_an_uploaded_spreadsheet_never_becomes_a_temporary_file(
    vault_keys, coordinator, monkeypatch
):
    """Attack: read a spreadsheet of names out of /tmp after someone imported it. Django
    spools an upload over 256 KB to a temporary file; here any attempt to make one fails
    the test, and a 600 KB upload is still read (in memory) and checked."""
    from django.core.files import uploadedfile

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", refuse)
    lines = [f"Тестов Руслан {number};{'x' * 600}" for number in range(1000)]
    sheet = "\n".join(["ФИО;Примечания", *lines]).encode()
    assert len(sheet) > 600_000
    client = client_for(coordinator)
    response = client.post(
        "/import/",
        {
            "sheet": SimpleUploadedFile("list.csv", sheet),
            "mapping": 'version: 1\npeople:\n  - name: "ФИО"\n',
        },
    )
    assert response.status_code == 200, response.content[:500]
    assert "Creates a case" in response.content.decode()
