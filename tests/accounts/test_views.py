"""Account pages per role, and the administrator's gated changes through the web."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts.models import Approval, ApprovalStatus, Staff, StaffAlert
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from tests.accounts.helpers import log_in
from tests.factories import StaffFactory, staff_with

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/staff/", "/staff/{id}/"]
APPROVAL_PAGES = ["/approvals/"]


def client_for(role: Role | None) -> tuple[Client, Staff]:
    client = Client()
    staff = StaffFactory(roles=[role] if role else [])
    log_in(client, staff)
    return client, staff


@pytest.mark.parametrize("role", list(Role))
def test_admin_pages_open_only_for_admins(role):
    client, staff = client_for(role)
    for page in ADMIN_PAGES:
        status = client.get(page.format(id=staff.pk)).status_code
        assert status == (200 if role is Role.ADMIN else 403), (role, page)


@pytest.mark.parametrize("role", list(Role))
def test_approvals_open_for_admins_and_coordinators(role):
    client, _staff = client_for(role)
    expected = 200 if role in (Role.ADMIN, Role.COORDINATOR) else 403
    assert client.get("/approvals/").status_code == expected


def test_navigation_shows_only_what_the_role_may_open():
    caseworker, _ = client_for(Role.CASEWORKER)
    admin, _ = client_for(Role.ADMIN)
    assert b'href="/staff/"' not in caseworker.get("/").content
    assert b'href="/staff/"' in admin.get("/").content


def test_a_coordinators_occasional_pages_sit_behind_more_and_a_single_one_does_not():
    """The daily pages stay in the bar; the occasional ones open from "More". A caseworker,
    whose only occasional page is their account, sees it in the bar instead of a menu of one."""
    coordinator, _ = client_for(Role.COORDINATOR)
    page = coordinator.get("/").content.decode()
    bar, menu = page.split('<details class="site-nav__more">', 1)
    menu = menu.split("</details>", 1)[0]
    assert 'href="/board/"' in bar
    assert 'href="/watchlist/"' in menu
    assert 'href="/watchlist/"' not in bar
    caseworker, _ = client_for(Role.CASEWORKER)
    page = caseworker.get("/").content.decode()
    assert "site-nav__more" not in page
    assert 'href="/account/"' in page.split("</nav>", 1)[0]


def test_an_unknown_account_id_is_404_for_an_admin():
    admin, _ = client_for(Role.ADMIN)
    assert admin.get("/staff/999999/").status_code == 404


@pytest.mark.django_db(databases=["default", "keystore"])
def test_admin_creates_an_account_and_sees_the_one_time_password_once(settings, vault_keys):
    admin, _ = client_for(Role.ADMIN)
    response = admin.post("/staff/", {"username": "new-volunteer"})
    assert response.status_code == 200
    password = re.search(rb'<code class="mono">([0-9a-f-]+)</code>', response.content).group(1)
    created = Staff.objects.get(username="new-volunteer")
    assert created.check_password(password.decode())
    assert created.must_change_password
    assert roles_of(created) == frozenset()
    assert password not in admin.get("/staff/").content
    # keyd's enrolment code for the first second factor, shown with it, once.
    code = re.search(
        rb'<code class="mono">([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})</code>', response.content
    )
    assert code
    assert code.group(1) not in admin.get("/staff/").content
    from corridor.vault import ledger as vault_ledger

    settings.CORRIDOR_KEY_LEDGER_ENFORCED = True  # keyd's check of the code
    with pytest.raises(vault_ledger.TicketRefused):
        vault_ledger.begin_enrolment(created.pk, enrolment_token="AAAA-BBBB-CCCC-DDDD")
    assert vault_ledger.begin_enrolment(created.pk, enrolment_token=code.group(1).decode())


def test_a_bad_username_is_shown_as_a_form_error():
    admin, _ = client_for(Role.ADMIN)
    response = admin.post("/staff/", {"username": "no spaces allowed!"})
    assert response.status_code == 400
    assert b"3 to 40 letters" in response.content
    assert not Staff.objects.filter(username__startswith="no spaces").exists()


def test_data_role_through_the_web_needs_a_coordinator():
    """Admin asks; the role is not given; a coordinator grants; the admin carries it out."""
    admin, _ = client_for(Role.ADMIN)
    coordinator, _ = client_for(Role.COORDINATOR)
    target = staff_with()
    admin.post(f"/staff/{target.pk}/role/grant/", {"role": "caseworker"})
    assert roles_of(target) == frozenset()
    approval = Approval.objects.get(target_id=str(target.pk))
    assert b"Grant a data role" in coordinator.get("/approvals/").content
    coordinator.post(f"/approvals/{approval.pk}/grant/")
    admin.post(
        f"/staff/{target.pk}/role/grant/", {"role": "caseworker", "approval": str(approval.pk)}
    )
    assert roles_of(target) == frozenset({Role.CASEWORKER})


def test_the_requester_cannot_grant_through_the_web():
    admin, _ = client_for(Role.ADMIN)
    second_admin, _ = client_for(Role.ADMIN)
    target = staff_with()
    admin.post(f"/staff/{target.pk}/reset_factors/", {})
    approval = Approval.objects.get(target_id=str(target.pk))
    admin.post(f"/approvals/{approval.pk}/grant/")
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.PENDING
    second_admin.post(f"/approvals/{approval.pk}/grant/")
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.GRANTED
    # Carried out by the requester: keyd's enrolment code for the new factor, shown once.
    done = admin.post(f"/staff/{target.pk}/reset_factors/", {"approval": str(approval.pk)})
    assert done.status_code == 200
    assert re.search(rb'<p class="mono">[A-Z2-7]{4}(-[A-Z2-7]{4}){3}</p>', done.content)


def test_a_seized_phone_is_cut_off_by_suspension_not_an_emergency_revocation():
    """A seized phone of a caseworker: the emergency revocation is refused (it was one
    person's path to a data-role holder's login); suspending works at once and the
    sessions die; every coordinator and auditor is alerted."""
    admin, _ = client_for(Role.ADMIN)
    victim_client, victim = client_for(Role.CASEWORKER)
    coordinator = staff_with(Role.COORDINATOR)
    device = TOTPDevice.objects.filter(user=victim).first()
    admin.post(
        f"/staff/{victim.pk}/revoke_device/",
        {"device": f"totp:{device.pk}", "emergency": "device_seized"},
    )
    device.refresh_from_db()
    assert device.confirmed
    assert not Approval.objects.filter(emergency=True).exists()
    assert b"Logged in as" in victim_client.get("/").content
    admin.post(f"/staff/{victim.pk}/suspend/")
    assert b"Logged in as" not in victim_client.get("/").content
    assert StaffAlert.objects.filter(staff=coordinator, code="account_suspended").exists()


def test_passwords_and_codes_never_appear_in_urls(client, staff):
    """Every login form posts in the body; no redirect carries a secret."""
    TOTPDevice.objects.create(user=staff, name="totp", confirmed=True)
    response = client.post(
        "/", {"username": staff.username, "password": "correct horse battery staple 7"}
    )
    assert "password" not in response["Location"]
    page = client.get("/login/verify/").content.decode()
    assert 'method="post"' in page
    assert 'method="get"' not in page


def test_removing_or_disabling_a_coordinator_through_the_web_only_asks():
    """The admin's Remove and Disable buttons on a coordinator file a request for a
    coordinator to approve; the coordinator keeps the role and the account meanwhile."""
    admin, _ = client_for(Role.ADMIN)
    target = staff_with(Role.COORDINATOR)
    admin.post(f"/staff/{target.pk}/role/revoke/", {"role": "coordinator"})
    admin.post(f"/staff/{target.pk}/active/", {"active": "0"})
    target.refresh_from_db()
    assert target.is_active
    assert roles_of(target) == frozenset({Role.COORDINATOR})
    kinds = set(Approval.objects.filter(target_id=str(target.pk)).values_list("kind", flat=True))
    assert kinds == {"revoke_data_role", "set_active"}
