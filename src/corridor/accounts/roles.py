"""The staff roles, what each may do, and who may approve what.

Each role is a Django group; a person may hold several, except that the admin
role is never combined with a role that sees personal data (separation of
duties: whoever manages accounts cannot read cases).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HOTLINE_OPERATOR = "hotline_operator", _("Hotline operator")
    VERIFIER = "verifier", _("Verifier")
    CASEWORKER = "caseworker", _("Caseworker")
    COORDINATOR = "coordinator", _("Coordinator")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


# Roles that see personal data; granting one needs a second person.
DATA_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.VERIFIER, Role.CASEWORKER, Role.COORDINATOR})

# Permissions ("app_label.codename") each role's group holds. Later apps add theirs.
ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.HOTLINE_OPERATOR: frozenset(),
    Role.VERIFIER: frozenset(),
    Role.CASEWORKER: frozenset(),
    Role.COORDINATOR: frozenset(
        {"accounts.approve_account_changes", "accounts.review_emergencies"}
    ),
    Role.AUDITOR: frozenset({"accounts.view_audit_log"}),
    Role.ADMIN: frozenset({"accounts.manage_staff", "accounts.approve_account_changes"}),
}
