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

# Roles no single person may give, take away, switch off or take over (password or
# factor reset): the data roles, and the auditor, who watches the alerts. The admin
# role is never combined with any of them.
TWO_PERSON_ROLES = DATA_ROLES | {Role.AUDITOR}

# Roles whose granting needs a second person: those, and the administrator's (who adds
# accounts and asks for every gated change), so no one administrator makes another.
TWO_PERSON_GRANTS = TWO_PERSON_ROLES | {Role.ADMIN}

# Roles a standby account may be registered for (two people) and put on duty in (one
# coordinator, at most STANDBY_MAX_HOURS).
STANDBY_ROLES = frozenset({Role.COORDINATOR, Role.CASEWORKER, Role.VERIFIER})
STANDBY_MAX_HOURS = 12

# The organisation keeps at least this many active coordinators: the people who approve
# and receive every alert. Removing or deactivating one below it is refused.
MIN_ACTIVE_COORDINATORS = 2

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
