"""Tree heads witnessed by partner Corridors, both ways.

As a witness, for a partner: `hold_head` takes a head the partner signed, checks the
signature against the key two of our coordinators installed, checks an RFC 6962
consistency proof from the last head we hold for them, keeps it and countersigns it.
A head that does not extend the one we hold is refused (409), recorded and alerted: the
partner's log was rewritten, or someone holds their key. A partner that sends nothing
for longer than the schedule allows is alerted too (`check_silence`): someone who
rewrote the log would simply stop sending.

As the one witnessed: `PartnerWitnesses` (registered with the audit app) sends each new
head to every organisation that witnesses ours — their Corridor, which checks and
countersigns, or a keeper URL that only stores it — and fetches the heads the
partners hold, for `corridor audit verify --witnesses`.

Wire format (JSON, version 1):
    POST <their corridor>/witness/heads/          {"version": 1, "head": {...}, "proof": [b64...]}
      200 {"version": 1, "kept": true, "countersignature": b64 | ""}
      409 {"error": "inconsistent", "problem": "..."}; 403 unknown_key / bad_signature
    GET  <their corridor>/witness/heads/<key_id>/  the newest head held for that key
      200 {"version": 1, "head": {...}, "countersignature": b64 | ""}; 404 none held
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction

from corridor.accounts.alerts import alert_coordinators_once
from corridor.audit.events import EventType
from corridor.audit.heads import HeadMalformed, SignedHead
from corridor.audit.objects import ObjectType
from corridor.audit.selectors import get_consistency_proof, get_newest_head_row
from corridor.audit.services import record_event
from corridor.audit.witnesses import (
    HeldHead,
    WitnessOutcome,
    register_witness_network,
)
from corridor.core import clock
from corridor.core.actors import WORKER
from corridor.core.merkle import ProofInvalid, verify_consistency
from corridor.core.tasks import periodic
from corridor.partners.models import Organisation, WitnessedHead, WitnessState
from corridor.vault import signing
from corridor.vault.domains import WITNESS_PREFIX
from corridor.vault.errors import InputRejected

WIRE_VERSION = 1
HTTP_TIMEOUT_SECONDS = 15
MAX_BODY = 64 * 1024
MAX_PROOF = 128
CONFLICT_ALERT = "witness_conflict"
REFUSED_ALERT = "witness_refused_our_head"
SILENT_ALERT = "witness_silent"
# Heads are signed every 15 minutes; an hour without one is four missed.
SILENCE_LIMIT = timedelta(hours=1)


class WitnessRefused(Exception):
    """A head we will not keep: `code` for the wire, `status` for HTTP, `problem` in words."""

    def __init__(self, code: str, status: int, problem: str) -> None:
        super().__init__(problem)
        self.code, self.status, self.problem = code, status, problem


def statement(head: SignedHead) -> bytes:
    """What a witness countersigns: the head's signed bytes under the witness prefix and
    the signer's key id, so it passes for nothing else."""
    return WITNESS_PREFIX + head.key_id.encode("ascii") + b"\n" + head.signed_message()


# -- as a witness, for a partner ------------------------------------------------------


def _sender(key_id: str) -> Organisation:
    for organisation in Organisation.objects.filter(
        removed_at__isnull=True, signing_key__isnull=False
    ):
        if signing.fingerprint(bytes(organisation.signing_key or b"")) == key_id:
            return organisation
    raise WitnessRefused("unknown_key", 403, "no organisation in the directory has this key")


def latest_held(organisation: Organisation) -> WitnessedHead | None:
    return (
        WitnessedHead.objects.filter(organisation=organisation)
        .order_by("-tree_size", "-received_at")
        .first()
    )


def held_for_key(key_id: str) -> WitnessedHead | None:
    """The newest head we hold for the partner whose signing key is `key_id`."""
    try:
        return latest_held(_sender(key_id))
    except WitnessRefused:
        return None


def hold_head(head: SignedHead, proof: Sequence[bytes]) -> WitnessedHead:
    """Keep a partner's head if it extends the last one we hold; WitnessRefused otherwise."""
    organisation = _sender(head.key_id)
    if not signing.verify_with(
        bytes(organisation.signing_key or b""),
        message=head.signed_message(),
        signature=head.signature,
    ):
        raise WitnessRefused("bad_signature", 403, "the head's signature does not verify")
    last = latest_held(organisation)
    if last is not None and (last.tree_size, last.root_hash) == (
        head.tree_size,
        _b64(head.root_hash),
    ):
        # Heads are public (GET /witness/heads/<key>/): the one we hold, sent back, says
        # nothing about the partner being alive. Only a head that extends it is news.
        return last
    if last is not None and head.tree_size < last.tree_size and head.timestamp <= last.timestamp:
        # An older head replayed by anyone: refused, but no alarm. A smaller head signed
        # after the one we hold is a rewritten log, and alarms below.
        raise WitnessRefused("stale", 409, "the head is older than the one we hold")
    if last is not None:
        problem = _inconsistency(last, head, proof)
        if problem:
            _conflict(organisation, head, problem)
            raise WitnessRefused("inconsistent", 409, problem)
    try:
        countersignature = _b64(signing.sign_witness_statement(statement(head)).signature)
    except InputRejected:
        countersignature = ""  # keyd signs heads and manifests only: kept, not countersigned
    with transaction.atomic():
        kept = WitnessedHead.objects.create(
            organisation=organisation,
            key_id=head.key_id,
            tree_size=head.tree_size,
            root_hash=_b64(head.root_hash),
            timestamp=head.timestamp,
            signature=_b64(head.signature),
            countersignature=countersignature,
        )
        _heard(organisation)
        record_event(
            actor=WORKER,
            event=EventType.HEAD_WITNESSED,
            object_type=ObjectType.ORGANISATION,
            object_id=str(organisation.pk),
            detail={"tree_size": head.tree_size, "key_id": head.key_id},
        )
    return kept


def _inconsistency(last: WitnessedHead, head: SignedHead, proof: Sequence[bytes]) -> str:
    if head.tree_size < last.tree_size:
        return f"the head covers {head.tree_size} events; we hold one covering {last.tree_size}"
    if head.tree_size == last.tree_size:  # the same head was taken above: another root
        return f"the head at {head.tree_size} events has another root than the one we hold"
    if last.tree_size == 0:
        return ""
    try:
        verify_consistency(
            size1=last.tree_size,
            size2=head.tree_size,
            root1=base64.b64decode(last.root_hash),
            root2=head.root_hash,
            proof=proof,
        )
    except ProofInvalid as problem:
        return f"the head does not extend the one we hold at {last.tree_size}: {problem}"
    return ""


def _heard(organisation: Organisation) -> None:
    WitnessState.objects.update_or_create(
        organisation=organisation,
        defaults={"last_heard_at": clock.now(), "silence_alerted_at": None},
    )


@transaction.atomic
def _conflict(organisation: Organisation, head: SignedHead, problem: str) -> None:
    WitnessState.objects.update_or_create(
        organisation=organisation, defaults={"conflict_at": clock.now()}
    )
    record_event(
        actor=WORKER,
        event=EventType.WITNESS_CONFLICT,
        object_type=ObjectType.ORGANISATION,
        object_id=str(organisation.pk),
        reason="their_head_inconsistent",
        detail={"tree_size": head.tree_size, "root": head.root_hash.hex()},
    )
    alert_coordinators_once(code=CONFLICT_ALERT)


def check_silence(now: datetime | None = None) -> list[Organisation]:
    """Alert our coordinators about every partner whose heads stopped coming; returns
    the organisations newly found silent (each alerted once until it is heard again)."""
    now = now or clock.now()
    silent = []
    states = WitnessState.objects.select_related("organisation").filter(
        last_heard_at__lt=now - SILENCE_LIMIT,
        silence_alerted_at__isnull=True,
        organisation__removed_at__isnull=True,
    )
    for state in states:
        with transaction.atomic():
            state.silence_alerted_at = now
            state.save(update_fields=["silence_alerted_at"])
            record_event(
                actor=WORKER,
                event=EventType.WITNESS_SILENT,
                object_type=ObjectType.ORGANISATION,
                object_id=str(state.organisation_id),
            )
            alert_coordinators_once(code=SILENT_ALERT)
        silent.append(state.organisation)
    return silent


@periodic("partners.witness_silence", every=timedelta(minutes=15))
def check_silence_job() -> None:
    check_silence()


# -- as the one witnessed -------------------------------------------------------------


def send_newest_head() -> Sequence[WitnessOutcome]:
    """Send the newest head the worker signed to every witness that has not kept it yet:
    heads leave the server with no timer of the operator's to set up or forget."""
    row = get_newest_head_row()
    if row is None:
        return ()
    try:
        head = SignedHead.from_json(row)
    except HeadMalformed:
        return ()  # a row nobody signed: `audit verify` names it
    behind = [
        organisation
        for organisation in _witnesses()
        if (state := WitnessState.objects.filter(organisation=organisation).first()) is None
        or (state.last_sent_size or 0) < head.tree_size
    ]
    return PartnerWitnesses().send(head, behind) if behind else ()


@periodic("partners.send_heads", every=timedelta(minutes=15))
def send_heads_job() -> None:
    send_newest_head()


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any]


class PartnerWitnesses:
    """The witnesses the directory names, as the audit app's WitnessNetwork."""

    def send(
        self, head: SignedHead, to: Sequence[Organisation] | None = None
    ) -> Sequence[WitnessOutcome]:
        outcomes = []
        for organisation in _witnesses() if to is None else to:
            if organisation.runs_corridor and organisation.corridor_url:
                outcome = _send_to_corridor(organisation, head)
            else:
                outcome = _send_to_keeper(organisation, head)
            outcomes.append(outcome)
            _after_sending(organisation, head, outcome)
        return outcomes

    def held(self) -> tuple[Sequence[HeldHead], Sequence[WitnessOutcome]]:
        heads, problems = [], []
        key_id = signing.fingerprint(signing.current_public_key())
        for organisation in _witnesses():
            if not (organisation.runs_corridor and organisation.corridor_url):
                continue  # a keeper only stores: the operator checks its copies by hand
            try:
                heads.append(HeldHead(organisation.name, _fetch_held(organisation, key_id)))
            except WitnessRefused as refused:
                problems.append(WitnessOutcome(organisation.name, "failed", refused.problem))
        return heads, problems


def _witnesses() -> list[Organisation]:
    return list(Organisation.objects.filter(removed_at__isnull=True, witnesses_our_heads=True))


def _send_to_corridor(organisation: Organisation, head: SignedHead) -> WitnessOutcome:
    name = organisation.name
    try:
        held = _fetch_held(organisation, head.key_id)
    except WitnessRefused as refused:
        if refused.status != 404:
            return WitnessOutcome(name, "failed", refused.problem)
        held = None
    proof: list[bytes] = []
    if held is not None and 1 <= held.tree_size < head.tree_size:
        proof = list(get_consistency_proof(size1=held.tree_size, size2=head.tree_size).proof)
    body = {"version": WIRE_VERSION, "head": head.as_json(), "proof": [_b64(p) for p in proof]}
    try:
        answer = _call(organisation.corridor_url + "/witness/heads/", body)
    except WitnessRefused as refused:
        return WitnessOutcome(name, "failed", refused.problem)
    if answer.status == 200 and answer.body.get("kept") is True:
        return WitnessOutcome(name, "kept")
    problem = str(answer.body.get("problem") or answer.body.get("error") or answer.status)
    status = "conflict" if answer.status == 409 else "failed"
    return WitnessOutcome(name, status, problem[:300])


def _send_to_keeper(organisation: Organisation, head: SignedHead) -> WitnessOutcome:
    if not organisation.keeper_url:
        return WitnessOutcome(organisation.name, "failed", "no Corridor keys and no keeper URL")
    try:
        answer = _call(organisation.keeper_url, head.as_json())
    except WitnessRefused as refused:
        return WitnessOutcome(organisation.name, "failed", refused.problem)
    if 200 <= answer.status < 300:
        return WitnessOutcome(organisation.name, "kept")
    return WitnessOutcome(organisation.name, "failed", f"the keeper answered {answer.status}")


def _after_sending(organisation: Organisation, head: SignedHead, outcome: WitnessOutcome) -> None:
    with transaction.atomic():
        if outcome.status == "kept":
            WitnessState.objects.update_or_create(
                organisation=organisation,
                defaults={"last_sent_at": clock.now(), "last_sent_size": head.tree_size},
            )
        record_event(
            actor=WORKER,
            event=(
                EventType.WITNESS_CONFLICT
                if outcome.status == "conflict"
                else EventType.HEAD_SENT_TO_WITNESS
            ),
            object_type=ObjectType.ORGANISATION,
            object_id=str(organisation.pk),
            reason="our_head_refused" if outcome.status == "conflict" else "",
            detail={"tree_size": head.tree_size, "outcome": outcome.status},
        )
        if outcome.status == "conflict":
            alert_coordinators_once(code=REFUSED_ALERT)


def _fetch_held(organisation: Organisation, key_id: str) -> SignedHead:
    """The newest head of ours the partner holds, its countersignature checked."""
    answer = _call(f"{organisation.corridor_url}/witness/heads/{key_id}/", None)
    if answer.status == 404:
        raise WitnessRefused("none_held", 404, "the witness holds no head of ours yet")
    if answer.status != 200:
        raise WitnessRefused("failed", 502, f"the witness answered {answer.status}")
    try:
        head = SignedHead.from_json(answer.body.get("head"))
        countersignature = base64.b64decode(
            str(answer.body.get("countersignature", "")), validate=True
        )
    except (HeadMalformed, binascii.Error):
        raise WitnessRefused("failed", 502, "the witness sent a malformed head") from None
    if countersignature and not signing.verify_with(
        bytes(organisation.signing_key or b""),
        message=statement(head),
        signature=countersignature,
    ):
        raise WitnessRefused("failed", 502, "the witness's countersignature does not verify")
    return head


def _call(url: str, body: dict[str, Any] | None) -> _Answer:
    if urlsplit(url).scheme not in ("https", "http"):
        raise WitnessRefused("failed", 400, "the address is not https")
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=data,
        method="GET" if body is None else "POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            return _Answer(response.status, _read_json(response.read(MAX_BODY)))
    except urllib.error.HTTPError as error:
        return _Answer(error.code, _read_json(error.read(MAX_BODY)))
    except (urllib.error.URLError, OSError, TimeoutError):
        raise WitnessRefused("failed", 502, "the witness could not be reached") from None


def _read_json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def parse_post(raw: bytes) -> tuple[SignedHead, list[bytes]]:
    """A witness request's head and proof; WitnessRefused (400) for anything else."""
    body = _read_json(raw)
    if body.get("version") != WIRE_VERSION:
        raise WitnessRefused("malformed", 400, f"expected version {WIRE_VERSION}")
    proof = body.get("proof")
    if not isinstance(proof, list) or len(proof) > MAX_PROOF:
        raise WitnessRefused("malformed", 400, "the proof must be a list of base64 hashes")
    try:
        head = SignedHead.from_json(body.get("head"))
        hashes = [base64.b64decode(str(item), validate=True) for item in proof]
    except HeadMalformed as problem:
        raise WitnessRefused("malformed", 400, str(problem)) from None
    except binascii.Error:
        raise WitnessRefused("malformed", 400, "a proof hash is not base64") from None
    return head, hashes


register_witness_network(PartnerWitnesses())
