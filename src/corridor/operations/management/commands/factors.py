"""`corridor factors [status|purge-old|reset|token|adopt]`: second factors and grants in keyd.

corridor factors status            # who keyd holds a TOTP factor for; who has only the old one
corridor factors purge-old         # delete old TOTP secrets of everyone keyd holds a factor for
corridor factors reset --staff N   # keyd forgets N's factors and tickets; prints N's enrolment
                                   # code for the new one
corridor factors token --staff N   # a new enrolment code for N's first factor (the old one ends)
corridor factors adopt             # once, at the upgrade: active accounts and their roles,
                                   # their TOTP secrets, current assignments, key owners,
                                   # requests' phases, erased cases

A first factor needs an enrolment code keyd made (decision 0012): given with the
temporary password when an account is made, and when factors are reset. `adopt` moves
the old TOTP secrets into keyd (the data database trusted one last time), so staff with
an authenticator app log in as before; it prints an enrolment code for each account
with none. Under
keyd, `reset` and `adopt` go to the admin socket (run them as root with keyd's
environment file, like `corridor keyd retire`). Nobody can log in while keyd is sealed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts.models import Draft, Staff
from corridor.accounts.selectors import roles_of
from corridor.cases.models import Case, CaseAssignment
from corridor.core.commands import CorridorCommand
from corridor.intake.keyd_phase import record_phase
from corridor.intake.models import Request, WatchEntry
from corridor.operations.management.commands.keys import count
from corridor.vault import ledger as vault_ledger
from corridor.vault.errors import VAULT_FAILURES, InputRejected


class Command(CorridorCommand):
    help = "Move staff second factors and case grants into keyd, and reset a factor."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "purge-old", "reset", "token", "adopt"])
        parser.add_argument("--staff", type=count, help="reset, token: the staff member's number.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "status":
                self._status()
            elif action == "purge-old":
                self._purge_old()
            elif action in {"reset", "token"}:
                if options["staff"] is None:
                    raise CommandError(f"{action} needs --staff NUMBER.", returncode=2)
                with vault_ledger.as_operator():
                    if action == "reset":
                        code = vault_ledger.remove_factor(options["staff"])
                    else:
                        code = vault_ledger.new_enrolment_token(options["staff"])
                self.stdout.write(
                    f"staff {options['staff']} enrols a second factor at next login with the "
                    f"enrolment code {code} (once, within three days)"
                )
            else:
                self._adopt()
        except InputRejected as error:
            raise CommandError(str(error), returncode=2) from None
        except VAULT_FAILURES as error:
            raise CommandError(str(error)) from None

    def _status(self) -> None:
        waiting = 0
        for staff in Staff.objects.filter(is_active=True).order_by("pk"):
            if vault_ledger.enrolled(staff.pk):
                continue
            waiting += 1
            old = TOTPDevice.objects.filter(user=staff, confirmed=True).exists()
            state = "re-enrols at next login" if old else "enrols at next login"
            self.stdout.write(f"{staff.pk} {staff.username}: {state}")
        self.stdout.write(f"{waiting} active staff without a factor in keyd")

    def _purge_old(self) -> None:
        purged = 0
        for staff_id in TOTPDevice.objects.values_list("user_id", flat=True).distinct():
            if vault_ledger.enrolled(staff_id):
                purged += TOTPDevice.objects.filter(user_id=staff_id).delete()[0]
        self.stdout.write(f"deleted {purged} old TOTP secrets keyd no longer needs")

    def _adopt(self) -> None:
        """Trust the data database once, at the upgrade, for what existed before the ledger."""
        with vault_ledger.as_operator():
            accounts = Staff.objects.filter(is_active=True).order_by("pk")
            for staff in accounts:
                code = vault_ledger.record_new_account(
                    staff_id=staff.pk, roles=[role.value for role in roles_of(staff)]
                )
                device = TOTPDevice.objects.filter(user=staff, confirmed=True).first()
                if device is not None and not vault_ledger.enrolled(staff.pk):
                    # The old secret moves into keyd: the same app keeps working.
                    vault_ledger.enrol_known_secret(staff.pk, bytes(device.bin_key))
                elif code is not None and not vault_ledger.enrolled(staff.pk):
                    self.stdout.write(f"{staff.pk} {staff.username}: enrolment code {code}")
            cases = Case.objects.filter(erased_at__isnull=True, key_id__isnull=False)
            for case_id, key_id in cases.values_list("pk", "key_id"):
                vault_ledger.record_key_owner(
                    str(key_id), vault_ledger.KeyOwner(kind="case", object_id=str(case_id))
                )
            drafts = Draft.objects.filter(key_id__isnull=False)
            for draft_id, key_id, staff_id in drafts.values_list("pk", "key_id", "staff_id"):
                vault_ledger.record_key_owner(
                    str(key_id),
                    vault_ledger.KeyOwner(kind="draft", object_id=str(draft_id), staff_id=staff_id),
                )
            # Intake requests' and watchlist entries' keys: bound to their object from now on.
            owned = 0
            for kind, rows in (
                ("request", Request.objects.filter(key_id__isnull=False)),
                ("watch", WatchEntry.objects.filter(key_id__isnull=False, removed_at__isnull=True)),
            ):
                for object_id, key_id in rows.values_list("pk", "key_id"):
                    vault_ledger.record_key_owner(
                        str(key_id), vault_ledger.KeyOwner(kind=kind, object_id=str(object_id))
                    )
                    owned += 1
            for request in Request.objects.filter(key_id__isnull=False):
                record_phase(request)  # who may read it while screened: keyd's from now on
            # Every request has its phase now: keyd refuses a request key it has none for.
            vault_ledger.record_phases_adopted()
            # Cases erased before keyd kept erasures: nothing of them, nor of their requests.
            erased = Case.objects.filter(erased_at__isnull=False)
            for case_id in erased.values_list("pk", flat=True):
                vault_ledger.record_case_erased(case_id=str(case_id))
            current = CaseAssignment.objects.filter(ended_at__isnull=True)
            assignments = list(current.values_list("case_id", "staff_id"))
            for case_id, staff_id in assignments:
                vault_ledger.record_assignment(
                    case_id=str(case_id), staff_id=staff_id, assigned=True
                )
        self.stdout.write(
            f"keyd's ledger: {accounts.count()} accounts, {cases.count()} case keys, "
            f"{drafts.count()} draft keys, {owned} request and watchlist keys, "
            f"{len(assignments)} assignments"
        )
