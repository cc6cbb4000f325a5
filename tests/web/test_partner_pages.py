"""The directory pages: one coordinator adds an organisation and proposes its keys,
a second compares the fingerprint and installs them, in Russian."""

from __future__ import annotations

import pytest

from corridor.accounts.roles import Role
from corridor.partners.identity import our_identity
from corridor.partners.models import Organisation
from tests.accounts.helpers import form_token
from tests.factories import staff_with
from tests.web.conftest import client_for


@pytest.mark.django_db(databases=["default", "keystore"])
def test_two_coordinators_add_an_organisation_and_install_its_keys(vault_keys):
    first = client_for(staff_with(Role.COORDINATOR))
    second = client_for(staff_with(Role.COORDINATOR))
    caseworker = client_for(staff_with(Role.CASEWORKER))
    for client in (first, second):
        client.cookies["corridor_language"] = "ru"
    assert caseworker.get("/partners/").status_code == 403

    page = first.get("/partners/")
    assert "Наши ключи" in page.content.decode()
    assert " ".join(our_identity().words) in page.content.decode()
    added = first.post(
        "/partners/",
        {
            "name": "Rainbow Railroad",
            "kind": "ngo",
            "country": "CA",
            "referrer_code": "rainbow_railroad",
            "csrfmiddlewaretoken": form_token(first, "/partners/"),
        },
    )
    assert added.status_code == 302, added.content[:500]
    organisation = Organisation.objects.get()
    url = f"/partners/{organisation.pk}/"
    assert "Канада" in first.get(url).content.decode()

    # Their whoami; here our own keys stand in for a partner's.
    keys = "\n".join(our_identity().lines()).replace("corridor: http://localhost:8000", "")
    keys += "\ncorridor: https://corridor.rainbow.example"
    proposed = first.post(url, {"keys": keys, "csrfmiddlewaretoken": form_token(first, url)})
    assert proposed.status_code == 302, proposed.content[:500]
    mine = first.get(url).content.decode()
    assert "Эти ключи предложили вы" in mine
    assert "установить ключи" not in mine

    theirs = second.get(url).content.decode()
    assert " ".join(our_identity().digits) in theirs
    proposal = organisation.keyproposal_set.get()
    decide = f"/partners/keys/{proposal.pk}/approve/"
    token = form_token(second, url)
    refused = second.post(decide, {"checked_how": "", "csrfmiddlewaretoken": token})
    assert refused.status_code == 302
    organisation.refresh_from_db()
    assert not organisation.runs_corridor
    second.post(decide, {"checked_how": "video_call", "csrfmiddlewaretoken": token})
    organisation.refresh_from_db()
    assert organisation.runs_corridor
    history = second.get(url).content.decode()
    assert "По видеосвязи, вслух" in history
