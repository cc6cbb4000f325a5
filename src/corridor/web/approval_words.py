"""An approval as the approver reads it: who asked (username and roles) and for what, in
words: the person and role it concerns, the case, or the report's format, language and
period; never "staff 11" or a bare code."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

from corridor.accounts.models import Approval, Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.cases.models import Case
from corridor.web.forms import EMERGENCY_CHOICES

FORMAT_WORDS = {"csv": "CSV", "pdf": "PDF", "html": "HTML"}
# An emergency's reason as the person invoking it chose it from the form.
EMERGENCY_WORDS = {code: label for code, label in EMERGENCY_CHOICES if code}


@dataclass(frozen=True)
class ApprovalWords:
    asked_by: str
    what: str
    details: list[str]
    reason: str = ""  # an emergency's reason in words; "" for an ordinary request


def _language(code: str) -> str:
    return {"en": _("in English"), "ru": _("in Russian")}.get(code, code)


def _period(code: str) -> str:
    return _("all time") if code == "all" else code


def _roles(staff: Staff) -> str:
    return ", ".join(sorted(str(role.label) for role in roles_of(staff)))


def _staff(target_id: str) -> Staff | None:
    return Staff.objects.filter(pk=int(target_id)).first() if target_id.isdigit() else None


def _case_ref(target_id: str) -> str:
    try:
        found = Case.objects.filter(pk=uuid.UUID(target_id)).values_list("ref", flat=True)
    except ValueError:
        found = Case.objects.filter(ref=target_id).values_list("ref", flat=True)
    return found.first() or _("a case that no longer exists")


def describe_approval(approval: Approval) -> ApprovalWords:
    asker = approval.requested_by
    roles = _roles(asker)
    asked_by = f"{asker.username} ({roles})" if roles else asker.username
    payload = approval.payload if isinstance(approval.payload, dict) else {}
    details: list[str] = []
    if approval.target_type == "staff":
        person = _staff(approval.target_id)
        details.append(_("for %(name)s") % {"name": person.username if person else "?"})
        role = payload.get("role")
        if isinstance(role, str) and role in Role.values:
            details.append(_("role: %(role)s") % {"role": Role(role).label})
        if "active" in payload:
            details.append(_("reactivate") if payload.get("active") else _("deactivate"))
    elif approval.target_type == "cases.case":
        details.append(_("case %(ref)s") % {"ref": _case_ref(approval.target_id)})
    elif approval.target_type.startswith("reports."):
        fmt = str(payload.get("format", ""))
        details.append(_("format: %(format)s") % {"format": FORMAT_WORDS.get(fmt, fmt)})
        details.append(_language(str(payload.get("language", ""))))
        details.append(_("period: %(period)s") % {"period": _period(approval.target_id)})
        if isinstance(payload.get("k"), int):
            details.append(_("smallest group shown: %(k)s") % {"k": payload["k"]})
    elif payload.get("publisher"):
        details.append(_("from %(publisher)s") % {"publisher": payload["publisher"]})
    reason = ""
    if approval.emergency:
        # Only listed reasons are accepted (accounts.approvals.EMERGENCY_REASONS).
        reason = str(EMERGENCY_WORDS.get(approval.reason, _("a reason not on the list")))
    return ApprovalWords(
        asked_by=asked_by, what=approval.get_kind_display(), details=details, reason=reason
    )
