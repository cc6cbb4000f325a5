"""What `corridor restore` checks on the restored installation before it keeps it.

    restore(source, kek_file=..., check=check_restored)

The audit log's append-only triggers must have come back with the data (a backup
whose log lost them is refused, not silently repaired: someone removed them, and
what they did next is unknown), and are then created again so the definitions are
this version's; the log must pass the same checks as `corridor audit verify`; and
every kind of key in the key store must work through the key provider: one sealed
value opened per model with personal data, an intake box sealed and opened, a
blind index and the pepper computed, a signature made and verified. Anything wrong
raises RestoreRefused with one sentence, and the restore undoes itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.apps import apps
from django.db import connections, transaction

from corridor.audit.triggers import install_append_only_triggers, missing_append_only_triggers
from corridor.audit.verification import verify_log
from corridor.core.exceptions import KeyFailure
from corridor.vault import signing
from corridor.vault.backup import check_opens
from corridor.vault.domains import MANIFEST_PREFIX
from corridor.vault.errors import RestoreRefused, VaultError
from corridor.vault.fields import EncryptedField
from corridor.vault.intake import seal_for_intake
from corridor.vault.keyd.worker_tasks import RESTORE_CHECK
from corridor.vault.keys import data_key
from corridor.vault.keystore import keystore_errors
from corridor.vault.ledger import working_on
from corridor.vault.models import Purpose, WrappedKey
from corridor.vault.providers import key_provider

# keyd hands data keys to named system principals only; the worker's is the one every
# installation has, and restore runs on the keyd host as the worker does.
SAMPLE_ACTOR = "system:worker"
_SAMPLE = b"corridor restore check"


def check_restored() -> None:
    """Raise RestoreRefused unless the restored data, log and keys are whole and usable."""
    connection = connections["default"]
    missing = missing_append_only_triggers(connection)
    if missing:
        raise RestoreRefused(
            "The data backup's audit log has lost its append-only protections "
            f"({', '.join(sorted(missing))}): it was tampered with; restore an older backup."
        )
    with transaction.atomic(using="default"):
        install_append_only_triggers(connection)
    result = verify_log()
    if result.failure is not None:
        raise RestoreRefused(
            f"The restored audit log does not verify ({result.failure.line()}): the data "
            "backup was altered."
        )
    with keystore_errors():
        purposes = set(WrappedKey.objects.values_list("purpose", flat=True).distinct())
    for purpose in sorted(purposes):
        try:
            _SAMPLERS[purpose]()
        except (VaultError, KeyFailure, _SampleWrong) as error:
            raise RestoreRefused(
                f"A restored {Purpose(purpose).label} does not work ({type(error).__name__}): "
                "the key store and the KEK do not belong together."
            ) from None


class _SampleWrong(Exception):
    """A key worked but gave the wrong answer."""


def _sample_data() -> None:
    """Open one sealed value in each model with personal data, under a key the store holds."""
    with keystore_errors():
        held = set(WrappedKey.objects.filter(purpose=Purpose.DATA).values_list("id", flat=True))
    for model in apps.get_models():
        if model._meta.label == "accounts.Draft":
            # keyd gives no system principal a draft's key (a person's own); every other
            # model proves the KEK just as well.
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, EncryptedField):
                continue
            rows = model._default_manager.exclude(**{f"{field.attname}__isnull": True})
            for row in rows.iterator():
                key_id = getattr(row, field.key_field)
                if key_id in held:
                    with working_on(RESTORE_CHECK):
                        key = data_key(key_id, for_actor=SAMPLE_ACTOR, case_id=None)
                    check_opens(getattr(row, field.attname), key=key)
                    break
            # One field per model is enough: the model's other fields share its key.
            break


def _sample_intake() -> None:
    request_id = f"restore-check-{secrets.token_hex(8)}"
    sealed = seal_for_intake(_SAMPLE, request_id)
    if key_provider().open_intake(sealed, request_id) != _SAMPLE:
        raise _SampleWrong


def _sample_signing() -> None:
    # Under keyd the signing key signs only tree heads and manifests: sample as a manifest.
    message = MANIFEST_PREFIX + b"restore sample " + _SAMPLE
    signature = signing.sign_manifest(message)
    if not signing.verify(key_id=signature.key_id, message=message, signature=signature.signature):
        raise _SampleWrong


def _sample_blind_index() -> None:
    key_provider().index("restore-check", _SAMPLE)


def _sample_pepper() -> None:
    if len(key_provider().pepper()) != 32:
        raise _SampleWrong


_SAMPLERS: dict[str, Callable[[], None]] = {
    Purpose.DATA: _sample_data,
    Purpose.INTAKE: _sample_intake,
    Purpose.SIGNING: _sample_signing,
    Purpose.BLIND_INDEX_ROOT: _sample_blind_index,
    Purpose.PEPPER: _sample_pepper,
}
