"""Key and integrity failures are named, audited, alerted and shown as a 503.

Before this change a refused, sealed or unreachable key service raised a CorridorError,
which every case action's `except CorridorError` turned into the form again with a 400 and
no audit event; a ciphertext that failed its check was a 500 with no event and no alert.

The key provider (the file provider, as in every web test) is patched to fail in each of
the four ways: sealed, unavailable (keyd not reachable), refused, and integrity (it hands
back a key that does not open what the row holds — the wrapped key was swapped or
corrupted). Each case action is posted with its form taken as valid and its service
replaced by the step every key-needing service starts with (the case key, then one sealed
value opened with it): so the test proves that no action's error handling swallows a key
failure. The GET tests go through the real pages with nothing replaced.
"""

from __future__ import annotations

import secrets

import pytest
from django.test import Client

from corridor.accounts.key_failures import alert_code
from corridor.accounts.models import StaffAlert
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.models import Task
from corridor.cases.services._base import case_key
from corridor.cases.services.assignment import assign_case
from corridor.core.exceptions import CorridorError, KeyFailure, KeysUnavailable
from corridor.vault.errors import (
    DecryptionFailed,
    KeydUnreachable,
    KeyMismatch,
    UnwrapRefused,
    VaultError,
    VaultSealed,
)
from corridor.vault.opening import open_field
from corridor.vault.providers.file import FileKeyProvider
from corridor.web.views.case_actions import ACTIONS, CaseAction
from tests.accounts.helpers import form_token
from tests.cases.conftest import CASE_DB
from tests.factories import StaffFactory, write
from tests.portal_helpers import fast_kdf  # noqa: F401 - fixture
from tests.web.conftest import client_for

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]

KINDS = ("sealed", "unavailable", "refused", "integrity")
SENTENCES = {
    "sealed": b"Ask your trustees to unseal it.",
    "unavailable": b"the key service cannot be reached",
    "refused": b"The key service would not give you this case&#x27;s key",
    "integrity": b"A stored value failed its integrity check",
}
EVENTS = {
    "sealed": ("vault.keys_unavailable", "sealed"),
    "unavailable": ("vault.keys_unavailable", "unavailable"),
    "refused": ("vault.unwrap_refused", "not_allowed"),
    "integrity": ("vault.decryption_failed", "integrity"),
}


def fail_provider(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """From now on the key provider fails in the way `kind` names."""
    real_unwrap = FileKeyProvider.unwrap

    def unwrap(self, **kwargs):  # type: ignore[no-untyped-def]
        if kind == "sealed":
            raise VaultSealed("keyd is sealed")
        if kind == "unavailable":
            raise KeydUnreachable("keyd is not running")
        if kind == "refused":
            raise UnwrapRefused(
                "refused",
                reason="not_allowed",
                principal=kwargs.get("for_actor") or "",
                case_id=kwargs.get("case_id") or "",
            )
        real_unwrap(self, **kwargs)
        return secrets.token_bytes(32)  # a swapped key: nothing of this row opens with it

    def wrap(self, **kwargs):  # type: ignore[no-untyped-def]
        if kind in ("sealed", "unavailable", "refused"):
            unwrap(self, **kwargs)
        return real_wrap(self, **kwargs)

    real_wrap = FileKeyProvider.wrap
    monkeypatch.setattr(FileKeyProvider, "unwrap", unwrap)
    monkeypatch.setattr(FileKeyProvider, "wrap", wrap)


def assert_key_failure(response, kind: str, *, actor: str, count: int = 1) -> None:
    assert response.status_code == 503, response.content[:400]
    assert SENTENCES[kind] in response.content
    event_type, reason = EVENTS[kind]
    events = AuditEntry.objects.filter(event_type=event_type)
    assert [(e.actor, e.reason) for e in events] == [(actor, reason)] * count
    assert StaffAlert.objects.filter(code=alert_code(kind), dismissed_at__isnull=True).exists()


@pytest.fixture
def opened(fx) -> Client:
    """The case's owner, logged in, with the case open for work."""
    client = client_for(fx.owner)
    assert client.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    return client


# ---------------------------------------------------------------- the exception families
@pytest.mark.pure
@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (VaultSealed("x"), "sealed"),
        (KeydUnreachable("x"), "unavailable"),
        (UnwrapRefused("x", reason="not_allowed"), "refused"),
        (DecryptionFailed("x"), "integrity"),
        (KeyMismatch("x"), "integrity"),
    ],
)
def test_key_failures_are_not_errors_a_user_can_fix(error, kind):
    """`except CorridorError` (the form again, 400) and `except VaultError` cannot catch them."""
    assert isinstance(error, KeyFailure)
    assert not isinstance(error, (CorridorError, VaultError))
    assert error.kind == kind
    assert isinstance(error, KeysUnavailable) is (kind in ("sealed", "unavailable"))


# ---------------------------------------------------------------- every case action
def reach_the_key(staff, case, form) -> object:
    """What every key-needing service does first: the case key, then a sealed value opened."""
    key = case_key(staff, case)
    return open_field(Task.objects.filter(case=case).first().title, key=key)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", ACTIONS, ids=[action.name for action in ACTIONS])
def test_every_case_action_answers_503_audits_and_alerts(fx, monkeypatch, action: CaseAction, kind):
    staff = fx.owner
    if action.coordinators_only:
        # A coordinator on the team (assigned by the owner's coordinator's colleague).
        colleague = StaffFactory(roles=[Role.COORDINATOR])
        assign_case(actor=colleague, case=fx.case, staff=fx.coordinator, lead=False)
        staff = fx.coordinator
    client = client_for(staff)
    url = f"/cases/{fx.case.ref}/{action.path}/"
    monkeypatch.setattr(action.form, "is_valid", lambda self: True)
    monkeypatch.setitem(vars(action), "run", reach_the_key)
    fail_provider(monkeypatch, kind)
    response = client.post(url, {"text": "kept in the browser"})
    assert_key_failure(response, kind, actor=staff.actor_id)
    assert b"kept in the browser" not in response.content


# ---------------------------------------------------------------- pages, nothing replaced
@pytest.mark.parametrize("kind", KINDS)
def test_the_case_page_answers_503_with_one_alert_however_often_it_fails(
    fx, opened, monkeypatch, kind
):
    fail_provider(monkeypatch, kind)
    for _ in range(3):
        response = opened.get(f"/cases/{fx.case.ref}/")
    assert_key_failure(response, kind, actor=fx.owner.actor_id, count=3)
    assert fx.case.ref.encode() not in response.content
    # Bounded: a storm of failures leaves one open alert per coordinator and kind.
    alerts = StaffAlert.objects.filter(code=alert_code(kind), staff=fx.coordinator)
    assert alerts.count() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_the_person_page_answers_503(fx, opened, monkeypatch, kind):
    fail_provider(monkeypatch, kind)
    response = opened.get(f"/cases/{fx.case.ref}/people/identity/?person={fx.principal.pk}")
    assert_key_failure(response, kind, actor=fx.owner.actor_id)


def test_a_swapped_ciphertext_is_503_audited_and_alerted_never_a_500(fx, opened):
    """The attack: someone who can write the database copies a person's sealed value over
    a task's title. Nothing is patched: the binding of each value to its row stops it."""
    from corridor.people.models import Person

    assert opened.get(f"/cases/{fx.case.ref}/").status_code == 200
    person = Person.objects.get(pk=fx.principal.pk)
    Task.objects.filter(pk=fx.task.pk).update(title=person.address_as)
    response = opened.get(f"/cases/{fx.case.ref}/")
    assert_key_failure(response, "integrity", actor=fx.owner.actor_id)
    assert fx.canaries["address_as"].encode() not in response.content


def test_the_request_page_answers_503_while_sealed(vault_keys, fast_kdf, monkeypatch):  # noqa: F811
    written = write(story="История")
    StaffFactory(roles=[Role.COORDINATOR])  # someone to alert
    verifier = StaffFactory(roles=[Role.VERIFIER])
    client = client_for(verifier)
    url = f"/requests/{written.request.id}/"
    token = form_token(client, url)
    fail_provider(monkeypatch, "sealed")
    response = client.post(f"{url}open/", {"csrfmiddlewaretoken": token})
    assert_key_failure(response, "sealed", actor=verifier.actor_id)


RUSSIAN = {
    "sealed": "Попросите хранителей долей распечатать её",
    "unavailable": "служба ключей недоступна",
    "refused": "Служба ключей не выдала вам ключ этого дела",
    "integrity": "Сохранённое значение не прошло проверку целостности",
}


@pytest.mark.parametrize("kind", KINDS)
def test_the_503_page_speaks_russian(fx, opened, monkeypatch, kind):
    opened.cookies["corridor_language"] = "ru"
    fail_provider(monkeypatch, kind)
    response = opened.get(f"/cases/{fx.case.ref}/")
    assert response.status_code == 503
    assert RUSSIAN[kind] in response.content.decode()
