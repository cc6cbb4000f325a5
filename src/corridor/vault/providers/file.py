"""The `file` key provider: the KEK in `$CORRIDOR_DATA_DIR/kek.demo`, for the demo only.

Anyone who copies the data directory gets the key with it, so production refuses
this provider and every staff page shows a red warning while it is in use. The
file is JSON `{"format": "corridor-kek-v1", "keys": {"<version>": "<base64>"}}`,
mode 0600; it holds two versions only while `corridor keys rotate` runs.

It runs keyd's ticket and ledger code in-process (corridor.vault.keyd.tickets), with
the ledger beside the key file: logins are verified and unwraps for staff checked as
keyd checks them. CORRIDOR_KEY_LEDGER_ENFORCED=False (most of the test suite) records
everything and checks no ticket; keyd always checks.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings

from corridor.core.inputs import InputRefused, decode_text, parse_json
from corridor.vault import aead, keystore
from corridor.vault.errors import KekMismatch, KeyProviderUnavailable, UnwrapRefused
from corridor.vault.keyd.acting import acting_as_operator
from corridor.vault.keyd.ledger import LEDGER_FILE, KeyOwner, Ledger, owner_fields
from corridor.vault.keyd.policy import UnwrapRequest, granting_policy, staff_id_of
from corridor.vault.keyd.tickets import Gatekeeper
from corridor.vault.models import Purpose
from corridor.vault.private_files import write_private_file
from corridor.vault.providers.base import WrappedBlob
from corridor.vault.providers.local import LocalKeyWork

KEK_FILE = "kek.demo"
KEK_FORMAT = "corridor-kek-v1"


class FileKeyProvider(LocalKeyWork):
    name = "file"
    holds_key_on_disk = True

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.path = data_dir / KEK_FILE
        self._cached: tuple[tuple[int, int, int], dict[int, bytes]] | None = None
        self._gatekeeper: Gatekeeper | None = None

    @property
    def gatekeeper(self) -> Gatekeeper:
        """keyd's ticket and ledger code, over the ledger file beside kek.demo."""
        if self._gatekeeper is None:
            self._gatekeeper = Gatekeeper(
                Ledger(self.path.parent / LEDGER_FILE),
                kek=self._kek,
                current_version=keystore.current_kek_version,
            )
        return self._gatekeeper

    @staticmethod
    def enforced() -> bool:
        return bool(getattr(settings, "CORRIDOR_KEY_LEDGER_ENFORCED", True))

    # ------------------------------------------------------------ data operations
    def wrap(
        self,
        *,
        key_id: uuid.UUID,
        purpose: str,
        key: bytes,
        owner: KeyOwner | None = None,
        ticket: str | None = None,
    ) -> WrappedBlob:
        version = keystore.current_kek_version()
        blob = aead.wrap_key(self._kek(version), key, key_id=key_id, purpose=purpose)
        if owner is not None and purpose == Purpose.DATA:
            self.gatekeeper.record_wrap(key_id, owner_fields(owner), ticket)
        return WrappedBlob(kek_version=version, blob=blob)

    def unwrap(
        self,
        *,
        key_id: uuid.UUID,
        purpose: str,
        blob: WrappedBlob,
        for_actor: str | None = None,
        case_id: str | None = None,
        ticket: str | None = None,
        task: str | None = None,
    ) -> bytes:
        # Whoever holds kek.demo can unwrap anything; the check below is keyd's, run here
        # so the demo logs in as production does and the SQLite suite tests it.
        staff_id = staff_id_of(for_actor or "")
        # The operator holding kek.demo (the demo's seed) needs no ticket: it holds the KEK.
        checked = self.enforced() and not acting_as_operator()
        if purpose == Purpose.DATA and staff_id is not None and checked:
            self._check_staff(staff_id, for_actor or "", ticket, case_id, key_id)
        elif purpose == Purpose.DATA and (for_actor or "").startswith("system:") and checked:
            self.gatekeeper.check_system_unwrap(
                principal=for_actor or "", case_id=case_id, key_id=key_id, task=task
            )
        return aead.unwrap_key(
            self._kek(blob.kek_version), blob.blob, key_id=key_id, purpose=purpose
        )

    def ledger(self, op: str, fields: dict[str, Any], *, operator: bool) -> dict[str, Any]:
        # In-process there is no Unix user to tell the web from the worker (as keyd with no
        # caller users configured): the worker's rights stand, its task names still count.
        answer = self.gatekeeper.handle(
            op, fields, operator=operator, enforce=self.enforced(), worker=True
        )
        if op == "ledger_confirm":
            answer.pop("detail", None)
        return answer

    def _check_staff(
        self,
        staff_id: int,
        principal: str,
        ticket: str | None,
        case_id: str | None,
        key_id: uuid.UUID,
    ) -> None:
        rule = self.gatekeeper.check_unwrap(
            staff_id=staff_id, ticket=ticket, case_id=case_id, key_id=key_id
        )
        if rule is not None:
            return
        request = UnwrapRequest(
            principal=principal, case_id=case_id, key_id=key_id, database="default"
        )
        if granting_policy(request) is None:
            raise UnwrapRefused(
                f"keyd refused: {principal} may not have this key.",
                reason="not_allowed",
                principal=principal,
                case_id=case_id or "",
            )

    # ------------------------------------------------------------ KEK administration
    def create_kek(self, version: int) -> bytes:
        keks = self._read(missing_ok=True)
        if version not in keks:
            keks[version] = aead.new_key()
            self._write(keks)
        return aead.kek_check_value(keks[version])

    def kek_check(self, version: int) -> bytes:
        return aead.kek_check_value(self._kek(version))

    def rewrap(
        self, *, key_id: uuid.UUID, purpose: str, blob: WrappedBlob, to_version: int
    ) -> WrappedBlob:
        key = self.unwrap(key_id=key_id, purpose=purpose, blob=blob)
        return WrappedBlob(
            kek_version=to_version,
            blob=aead.wrap_key(self._kek(to_version), key, key_id=key_id, purpose=purpose),
        )

    def forget_keks(self, *, keep: int) -> None:
        keks = self._read()
        if set(keks) != {keep}:
            self._write({keep: self._kek(keep)})

    # ------------------------------------------------------------ the file
    def _kek(self, version: int) -> bytes:
        try:
            return self._read()[version]
        except KeyError:
            raise KekMismatch(
                f"{self.path.name} holds no KEK version {version}; is it the file that "
                "belongs to this key store?"
            ) from None

    def _read(self, *, missing_ok: bool = False) -> dict[int, bytes]:
        try:
            status = self.path.stat()
        except FileNotFoundError:
            if missing_ok:
                return {}
            raise KeyProviderUnavailable(
                f"The demo key file {self.path} is missing; restore it or run `corridor setup`."
            ) from None
        if status.st_mode & 0o077:
            # Defends against a KEK left readable by other users of the machine.
            raise KeyProviderUnavailable(
                f"{self.path} must be readable by its owner only (chmod 600)."
            )
        signature = (status.st_ino, status.st_mtime_ns, status.st_size)
        if self._cached is not None and self._cached[0] == signature:
            return dict(self._cached[1])
        keks = parse_kek_file(self.path.read_bytes(), self.path)
        self._cached = (signature, keks)
        return dict(keks)

    def _write(self, keks: dict[int, bytes]) -> None:
        """Replace the file atomically: a crash leaves the old or the new file, never half."""
        payload = {
            "format": KEK_FORMAT,
            "keys": {str(v): base64.b64encode(k).decode("ascii") for v, k in sorted(keks.items())},
        }
        write_private_file(self.path, json.dumps(payload).encode("ascii"))
        self._cached = None


def parse_kek_file(raw: bytes, path: Path) -> dict[int, bytes]:
    """The KEK versions in the bytes of a kek.demo file, or KeyProviderUnavailable."""
    try:
        payload: Any = parse_json(decode_text(raw))
        if payload["format"] != KEK_FORMAT:
            raise ValueError
        keks = {int(v): base64.b64decode(k, validate=True) for v, k in payload["keys"].items()}
    except (InputRefused, ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise KeyProviderUnavailable(f"{path} is not a Corridor key file.") from None
    if not keks or any(len(k) != aead.KEY_BYTES for k in keks.values()):
        raise KeyProviderUnavailable(f"{path} is not a Corridor key file.")
    return keks
