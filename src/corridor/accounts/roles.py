"""The staff roles. Each is a Django group; a person may hold several."""

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
