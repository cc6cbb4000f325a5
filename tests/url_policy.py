"""Every URL pattern's decision: where to request it and what each audience should get.

The header crawler walks the URL resolver and fails on any named pattern that
has no entry here, so a new page cannot ship without someone deciding who may
see it. Case-scoped routes carry their object policy in later tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Route:
    path: str
    anonymous: int
    staff: int
    audience: Literal["staff", "portal"] = "staff"


# "staff" is a logged-in caseworker; pages for other roles are checked per role in
# tests/accounts/test_views.py. POST-only URLs answer GET with 405.
ID = "00000000-0000-0000-0000-000000000000"
ROUTES: dict[str, Route] = {
    "web:home": Route("/", anonymous=200, staff=200),
    "web:verify": Route("/login/verify/", anonymous=401, staff=401),
    "web:enrol": Route("/login/enrol/", anonymous=401, staff=401),
    "web:webauthn_options": Route("/login/webauthn/options/", anonymous=405, staff=405),
    "web:webauthn_complete": Route("/login/webauthn/complete/", anonymous=405, staff=405),
    "web:logout": Route("/logout/", anonymous=405, staff=405),
    "web:keep_alive": Route("/session/keep-alive/", anonymous=405, staff=405),
    "web:save_draft": Route("/session/draft/", anonymous=405, staff=405),
    "web:account": Route("/account/", anonymous=302, staff=200),
    "web:reauth": Route("/account/reauth/", anonymous=302, staff=200),
    "web:reauth_webauthn": Route("/account/reauth/webauthn/", anonymous=405, staff=405),
    "web:password": Route("/account/password/", anonymous=302, staff=200),
    "web:add_totp": Route("/account/totp/", anonymous=302, staff=200),
    "web:add_passkey": Route("/account/passkey/", anonymous=405, staff=405),
    "web:backup_codes": Route("/account/backup-codes/", anonymous=405, staff=405),
    "web:remove_device": Route("/account/devices/remove/", anonymous=405, staff=405),
    "web:end_sessions": Route("/account/sessions/end/", anonymous=405, staff=405),
    "web:staff_list": Route("/staff/", anonymous=302, staff=403),
    "web:staff_detail": Route("/staff/1/", anonymous=302, staff=403),
    "web:staff_active": Route("/staff/1/active/", anonymous=405, staff=405),
    "web:staff_role": Route("/staff/1/role/grant/", anonymous=405, staff=405),
    "web:staff_gated": Route("/staff/1/reset_password/", anonymous=405, staff=405),
    "web:approvals": Route("/approvals/", anonymous=302, staff=403),
    "web:approval_review": Route(f"/approvals/{ID}/review/", anonymous=405, staff=405),
    "web:approval_decide": Route(f"/approvals/{ID}/grant/", anonymous=405, staff=405),
    "web:on_call": Route("/approvals/on-call/", anonymous=405, staff=405),
    "web:applications": Route("/applications/", anonymous=302, staff=200),
    "web:catalog": Route("/catalog/", anonymous=302, staff=403),
    "web:catalog_entry": Route("/catalog/ca-gar/", anonymous=302, staff=403),
    "web:catalog_edit": Route("/catalog/ca-gar/edit/", anonymous=302, staff=403),
    "web:catalog_note": Route("/catalog/ca-gar/note/", anonymous=405, staff=405),
    "web:catalog_pause": Route("/catalog/ca-gar/pause/", anonymous=405, staff=405),
    "web:reports": Route("/reports/", anonymous=302, staff=403),
    "web:reports_public": Route("/reports/public/", anonymous=302, staff=403),
    "web:reports_request": Route("/reports/exports/", anonymous=405, staff=405),
    "web:reports_download": Route(f"/reports/exports/{ID}/download/", anonymous=405, staff=405),
    "web:never_publish": Route("/reports/never-publish/", anonymous=302, staff=403),
    "web:audit_events": Route("/audit/", anonymous=302, staff=403),
    "web:audit_touches": Route("/audit/touches/", anonymous=302, staff=403),
    "web:audit_activity": Route("/audit/activity/", anonymous=302, staff=403),
    "set_language": Route("/i18n/setlang/", anonymous=302, staff=302),
    "portal:start": Route("/help/", anonymous=200, staff=200, audience="portal"),
    "portal:start_en": Route("/help/en/", anonymous=200, staff=200, audience="portal"),
}
