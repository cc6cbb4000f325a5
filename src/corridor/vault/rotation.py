"""KEK rotation: rewrap every wrapped key under a new KEK, in batches, resumably.

    plan = begin_kek_rotation()              # or resume the one a crash interrupted
    while n := rewrap_next_batch(plan):      # each batch commits on its own
        progress.update(n)
    finish_kek_rotation(plan, rewrapped=...)  # retire and forget the old KEK

`rotate_kek()` runs all three. Until `finish_kek_rotation`, the old and the new KEK
both unwrap (each row names its KEK version) and new keys are wrapped under the new
one, so the system keeps working throughout. Data is never re-encrypted: DEKs stay
the same, only their wrapping changes.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from corridor.core import clock
from corridor.vault.errors import (
    InputRejected,
    KekMismatch,
    KekRetirementPending,
    KeyNotFound,
    RotationIncomplete,
)
from corridor.vault.keystore import (
    NO_KEK,
    active_kek_versions,
    keystore_errors,
    purge_deleted_keys,
)
from corridor.vault.models import KekVersion, WrappedKey
from corridor.vault.providers import WrappedBlob, kek_administration
from corridor.vault.routers import KEYSTORE

DEFAULT_BATCH = 200


@dataclass(frozen=True)
class RotationPlan:
    to_version: int
    from_versions: list[int]
    # Keys still wrapped under an older KEK when the plan was made.
    remaining: int
    resumed: bool


@dataclass(frozen=True)
class KekRotation:
    """What a finished rotation did (versions and counts only), for the audit event."""

    from_versions: list[int]
    to_version: int
    rewrapped: int
    resumed: bool
    purged: bool
    # False when the provider still holds the old KEK and its operator must retire it.
    old_keks_forgotten: bool = True


def next_kek_version() -> int:
    """The KEK version a rotation wraps under: the unfinished one's target, else a new one.

    keyd makes a new KEK only together with its shares, so `corridor keys rotate` asks
    keyd for this version (and prints its shares) before the rotation begins.
    """
    with keystore_errors():
        return _rotation_target(active_kek_versions())


def _rotation_target(versions: list[KekVersion]) -> int:
    if not versions:
        raise KeyNotFound(NO_KEK)
    if len(versions) > 1:
        return versions[-1].version
    newest = KekVersion.objects.aggregate(newest=Max("version"))["newest"]
    return int(newest) + 1


def begin_kek_rotation() -> RotationPlan:
    """Create the next KEK version, or pick up the rotation a crash left unfinished."""
    admin = kek_administration()
    with keystore_errors(), transaction.atomic(using=KEYSTORE):
        versions = active_kek_versions()
        target = _rotation_target(versions)
        for row in versions:
            if not hmac.compare_digest(admin.kek_check(row.version), bytes(row.check_value)):
                raise KekMismatch(f"The KEK version {row.version} on hand does not match.")
        resumed = len(versions) > 1
        if not resumed:
            # The provider holds the new KEK before the row names it: a crash between
            # the two leaves a KEK nobody uses, which the next run reuses.
            KekVersion.objects.create(version=target, check_value=admin.create_kek(target))
        remaining = WrappedKey.objects.exclude(kek_version=target).count()
    return RotationPlan(
        to_version=target,
        from_versions=[row.version for row in versions if row.version != target],
        remaining=remaining,
        resumed=resumed,
    )


def rewrap_next_batch(plan: RotationPlan, *, batch_size: int = DEFAULT_BATCH) -> int:
    """Rewrap up to `batch_size` keys under the new KEK and commit; 0 means none are left."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputRejected("A rotation batch holds at least one key.")
    admin = kek_administration()
    with keystore_errors(), transaction.atomic(using=KEYSTORE):
        rows = list(
            WrappedKey.objects.select_for_update()
            .exclude(kek_version=plan.to_version)
            .order_by("id")[:batch_size]
        )
        for row in rows:
            if not bytes(row.wrapped):
                # keyd's head key: keyd holds it and moved it with its new KEK itself.
                WrappedKey.objects.filter(id=row.id).update(kek_version=plan.to_version)
                continue
            blob = admin.rewrap(
                key_id=row.id,
                purpose=row.purpose,
                blob=WrappedBlob(kek_version=row.kek_version, blob=bytes(row.wrapped)),
                to_version=plan.to_version,
            )
            WrappedKey.objects.filter(id=row.id, kek_version=row.kek_version).update(
                kek_version=blob.kek_version, wrapped=blob.blob
            )
    return len(rows)


def finish_kek_rotation(plan: RotationPlan, *, rewrapped: int) -> KekRotation:
    """Retire the old KEK versions and have the provider destroy them."""
    admin = kek_administration()
    with keystore_errors(), transaction.atomic(using=KEYSTORE):
        left = WrappedKey.objects.exclude(kek_version=plan.to_version).count()
        if left:
            raise RotationIncomplete(f"{left} keys are still under an older KEK; run it again.")
        KekVersion.objects.filter(retired_at__isnull=True).exclude(version=plan.to_version).update(
            retired_at=clock.now()
        )
    try:
        admin.forget_keks(keep=plan.to_version)
        forgotten = True
    except KekRetirementPending:
        forgotten = False
    return KekRotation(
        from_versions=plan.from_versions,
        to_version=plan.to_version,
        rewrapped=rewrapped,
        resumed=plan.resumed,
        # Old wrappings may linger in the WAL or dead tuples until this succeeds.
        purged=purge_deleted_keys(),
        old_keks_forgotten=forgotten,
    )


def rotate_kek(
    *, batch_size: int = DEFAULT_BATCH, progress: Callable[[int], None] | None = None
) -> KekRotation:
    """Begin (or resume), rewrap every key batch by batch, and finish a KEK rotation."""
    plan = begin_kek_rotation()
    rewrapped = 0
    while count := rewrap_next_batch(plan, batch_size=batch_size):
        rewrapped += count
        if progress is not None:
            progress(count)
    return finish_kek_rotation(plan, rewrapped=rewrapped)
