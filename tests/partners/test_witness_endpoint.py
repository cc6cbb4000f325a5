"""The witness endpoint in one process: only a head signed by a key two coordinators
installed is kept; malformed bodies, unknown keys and a head that does not extend the
one held are refused, and nothing is kept for them."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from corridor.accounts.models import StaffAlert
from corridor.accounts.roles import Role
from corridor.audit.heads import SignedHead
from corridor.audit.services import sign_tree_head
from corridor.core.actors import cli_actor
from corridor.partners import services
from corridor.partners.identity import our_identity
from corridor.partners.models import WitnessedHead, WitnessState
from corridor.partners.witnessing import send_newest_head
from corridor.vault import signing
from tests.factories import staff_with
from tests.keys import vault_keys  # noqa: F401
from tests.processes import free_port

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def post(client: Client, head: SignedHead, proof: list[str] | None = None):
    body = {"version": 1, "head": head.as_json(), "proof": proof or []}
    return client.post("/witness/heads/", json.dumps(body), content_type="application/json")


def trust_ourselves() -> None:
    """Install our own keys as a partner's: the installation witnesses itself."""
    ours = our_identity()
    organisation = services.add_organisation(
        actor=cli_actor(), name="Ourselves", kind="ngo", country="DE"
    )
    first, second = staff_with(Role.COORDINATOR), staff_with(Role.COORDINATOR)
    proposal = services.propose_keys(
        actor=first,
        proposer=first,
        organisation_id=organisation.pk,
        signing_key=ours.signing_key,
        encryption_key=ours.encryption_key,
        corridor_url="https://corridor.example.org",
    )
    services.approve_keys(actor=second, proposal_id=proposal.pk, checked_how="in_person")


def test_only_a_head_from_an_installed_key_that_extends_the_last_is_kept(vault_keys):  # noqa: F811
    client = Client()
    malformed = client.post("/witness/heads/", b"{not json", content_type="application/json")
    assert malformed.status_code == 400
    head = sign_tree_head(actor=cli_actor())
    assert post(client, head).json()["error"] == "unknown_key"

    trust_ourselves()
    kept = post(client, head)
    assert kept.status_code == 200, kept.content
    countersignature = kept.json()["countersignature"]
    assert countersignature  # the file key provider countersigns
    held = client.get(f"/witness/heads/{head.key_id}/").json()
    assert SignedHead.from_json(held["head"]) == head

    # Same size, another root, validly signed: someone rewrote the log and holds the key.
    forged_signature = signing.sign_tree_head(
        tree_size=head.tree_size,
        root_hash=b"\x01" * 32,
        timestamp=head.timestamp + 1,
        proof_from=lambda size: [],
    )
    forged = SignedHead(
        tree_size=head.tree_size,
        root_hash=b"\x01" * 32,
        timestamp=head.timestamp + 1,
        key_id=forged_signature.key_id,
        signature=forged_signature.signature,
    )
    refused = post(client, forged)
    assert refused.status_code == 409
    assert WitnessedHead.objects.count() == 1
    assert StaffAlert.objects.filter(code="witness_conflict").exists()

    # A signature that does not verify is refused before anything else is looked at.
    bad = SignedHead(
        tree_size=head.tree_size + 5,
        root_hash=head.root_hash,
        timestamp=head.timestamp,
        key_id=head.key_id,
        signature=b"\x00" * 64,
    )
    assert post(client, bad).json()["error"] == "bad_signature"
    assert WitnessedHead.objects.count() == 1


def test_the_worker_sends_the_newest_head_until_a_witness_has_kept_it(vault_keys):  # noqa: F811
    assert send_newest_head() == ()  # no head yet
    sign_tree_head(actor=cli_actor())
    assert send_newest_head() == ()  # no witness yet
    port = free_port()  # nobody listens there: the keeper is down
    services.add_organisation(
        actor=cli_actor(), name="Keeper", kind="ngo", country="DE",
        witnesses_our_heads=True, keeper_url=f"http://127.0.0.1:{port}/heads",
    )  # fmt: skip
    for _ in range(2):  # not kept, so tried again on the next run
        (outcome,) = send_newest_head()
        assert (outcome.witness, outcome.status) == ("Keeper", "failed")
    assert not WitnessState.objects.filter(last_sent_size__isnull=False).exists()


def test_a_replayed_head_is_no_news_of_the_partner_and_raises_no_alarm(vault_keys):  # noqa: F811
    """Heads are public: anyone can fetch the one we hold and post it back, or post an
    older one. Neither counts as hearing from the partner (which would hide its silence)
    and neither raises the rewritten-log alarm; a newer head that extends it is heard."""
    import base64
    from datetime import timedelta

    from corridor.audit.events import EventType
    from corridor.audit.selectors import get_consistency_proof
    from corridor.audit.services import record_event
    from corridor.core import clock

    client = Client()
    trust_ourselves()
    older = sign_tree_head(actor=cli_actor())
    assert post(client, older).status_code == 200
    record_event(actor=cli_actor(), event=EventType.CASE_VIEWED, detail={"page": "test"})
    newer = sign_tree_head(actor=cli_actor())
    proof = get_consistency_proof(size1=older.tree_size, size2=newer.tree_size).proof
    extended = post(client, newer, [base64.b64encode(p).decode() for p in proof])
    assert extended.status_code == 200, extended.content
    long_ago = clock.now() - timedelta(hours=3)
    WitnessState.objects.update(last_heard_at=long_ago)

    assert post(client, newer).status_code == 200  # the same head again: kept already
    stale = post(client, older)
    assert stale.status_code == 409
    assert stale.json()["error"] == "stale"
    assert WitnessState.objects.get().last_heard_at == long_ago
    assert WitnessState.objects.get().conflict_at is None
    assert not StaffAlert.objects.filter(code="witness_conflict").exists()
    assert WitnessedHead.objects.count() == 2
