"""Every URL pattern's decision: where to request it and what each audience should get.

The header crawler walks the URL resolver and fails on any named pattern that
has no entry here, so a new page cannot ship without someone deciding who may
see it. Case-scoped routes (those with a case reference in the path) carry their
object policy in CASE_POLICY: who may use them, whether a change needs the case's
key, and the audit events an allowed request writes; tests/security/test_case_routes.py
enforces it for every role, on assigned and unassigned cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from corridor.accounts.roles import Role


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
    "web:staff_suspend": Route("/staff/1/suspend/", anonymous=405, staff=405),
    "web:staff_gated": Route("/staff/1/reset_password/", anonymous=405, staff=405),
    "web:standby": Route("/standby/", anonymous=302, staff=403),
    "web:standby_suspend": Route("/standby/suspend/", anonymous=405, staff=405),
    "web:standby_register": Route("/standby/register/", anonymous=405, staff=405),
    "web:standby_activate": Route(f"/standby/{ID}/activate/", anonymous=405, staff=405),
    "web:standby_end": Route(f"/standby/duty/{ID}/end/", anonymous=405, staff=405),
    "web:partners": Route("/partners/", anonymous=302, staff=403),
    "web:partner": Route(f"/partners/{ID}/", anonymous=302, staff=403),
    "web:partner_remove": Route(f"/partners/{ID}/remove/", anonymous=405, staff=405),
    "web:partner_keys_decide": Route(f"/partners/keys/{ID}/approve/", anonymous=405, staff=405),
    # Partner Corridors' witness endpoint: no session; a partner's signature is the key.
    "partners:witness_receive": Route("/witness/heads/", anonymous=405, staff=405),
    "partners:witness_held": Route("/witness/heads/" + "ab" * 32 + "/", anonymous=404, staff=404),
    "web:approvals": Route("/approvals/", anonymous=302, staff=403),
    "web:import_cases": Route("/import/", anonymous=302, staff=403),
    "web:import_confirm": Route("/import/confirm/", anonymous=405, staff=405),
    "web:import_cancel": Route("/import/cancel/", anonymous=405, staff=405),
    "web:approval_review": Route(f"/approvals/{ID}/review/", anonymous=405, staff=405),
    "web:approval_decide": Route(f"/approvals/{ID}/grant/", anonymous=405, staff=405),
    "web:on_call": Route("/approvals/on-call/", anonymous=405, staff=405),
    "web:applications": Route("/applications/", anonymous=302, staff=200),
    "web:catalog": Route("/catalog/", anonymous=302, staff=403),
    "web:catalog_entry": Route("/catalog/ca-gar/", anonymous=302, staff=403),
    "web:catalog_edit": Route("/catalog/ca-gar/edit/", anonymous=302, staff=403),
    "web:catalog_note": Route("/catalog/ca-gar/note/", anonymous=405, staff=405),
    "web:catalog_pause": Route("/catalog/ca-gar/pause/", anonymous=405, staff=405),
    "web:catalog_slot": Route("/catalog/ca-gar/slots/", anonymous=405, staff=405),
    "web:inbox": Route("/requests/", anonymous=302, staff=403),
    # "staff" is a caseworker: they search within their own cases.
    "web:search": Route("/search/", anonymous=302, staff=200),
    "web:hotline_call": Route("/requests/hotline/", anonymous=302, staff=403),
    "web:flood_dismiss": Route("/requests/flood/dismiss/", anonymous=405, staff=405),
    # Caseworkers may read the thread of a case they work on: an unknown id is a 404.
    "web:request_detail": Route(f"/requests/{ID}/", anonymous=302, staff=404),
    "web:request_decide": Route(f"/requests/{ID}/decide/", anonymous=405, staff=405),
    # The same page by the reference read out on the phone; unknown is a 404.
    "web:request_by_reference": Route("/requests/RQ-0000-0000/", anonymous=302, staff=404),
    "web:inbox_decline": Route("/requests/decline/", anonymous=405, staff=405),
    "web:watchlist": Route("/watchlist/", anonymous=302, staff=403),
    "web:watch_remove": Route(f"/watchlist/{ID}/remove/", anonymous=405, staff=405),
    "web:shelters": Route("/shelters/", anonymous=302, staff=403),
    "web:shelter_board": Route("/shelters/board/", anonymous=302, staff=403),
    "web:shelter": Route(f"/shelters/{ID}/", anonymous=302, staff=403),
    "web:shelter_status": Route(f"/shelters/{ID}/status/", anonymous=405, staff=405),
    "web:shelter_compromised": Route(f"/shelters/{ID}/compromised/", anonymous=405, staff=405),
    "web:request_open": Route(f"/requests/{ID}/open/", anonymous=405, staff=405),
    "web:request_cancel_deletion": Route(
        f"/requests/{ID}/deletion/cancel/", anonymous=405, staff=405
    ),
    "web:surges": Route("/keys/surges/", anonymous=302, staff=403),
    "web:work_window": Route("/settings/work-window/", anonymous=302, staff=403),
    "web:surge_close": Route(f"/keys/surges/{ID}/close/", anonymous=405, staff=405),
    "web:reports": Route("/reports/", anonymous=302, staff=403),
    "web:reports_public": Route("/reports/public/", anonymous=302, staff=403),
    "web:reports_request": Route("/reports/exports/", anonymous=405, staff=405),
    "web:reports_download": Route(f"/reports/exports/{ID}/download/", anonymous=405, staff=405),
    "web:never_publish": Route("/reports/never-publish/", anonymous=302, staff=403),
    "web:audit_events": Route("/audit/", anonymous=302, staff=403),
    "web:audit_touches": Route("/audit/touches/", anonymous=302, staff=403),
    "web:audit_activity": Route("/audit/activity/", anonymous=302, staff=403),
    "web:audit_insider": Route("/audit/insider/", anonymous=302, staff=403),
    "web:board": Route("/board/", anonymous=302, staff=403),
    "web:alert_review": Route(f"/board/alerts/{ID}/review/", anonymous=405, staff=405),
    "web:alert_dismiss": Route(f"/alerts/{ID}/dismiss/", anonymous=405, staff=405),
    "web:alert_acknowledge": Route(f"/alerts/{ID}/acknowledge/", anonymous=405, staff=405),
    "web:alerts": Route("/alerts/", anonymous=302, staff=200),
    "web:channels": Route("/account/channels/", anonymous=302, staff=200),
    "web:channel_test": Route(f"/account/channels/{ID}/test/", anonymous=405, staff=405),
    "web:channel_remove": Route(f"/account/channels/{ID}/remove/", anonymous=405, staff=405),
    "web:rota": Route("/rota/", anonymous=302, staff=403),
    "web:shift_remove": Route("/rota/1/remove/", anonymous=405, staff=405),
    "web:exchange_rates": Route("/settings/exchange-rates/", anonymous=302, staff=403),
    "web:funding_sources": Route("/settings/funding-sources/", anonymous=302, staff=403),
    "web:case_new": Route("/cases/new/", anonymous=302, staff=403),
    "web:case_find": Route("/cases/find/", anonymous=302, staff=200),
    "set_language": Route("/i18n/setlang/", anonymous=302, staff=302),
    "portal:start": Route("/help/", anonymous=200, staff=200, audience="portal"),
    "portal:start_en": Route("/help/en/", anonymous=200, staff=200, audience="portal"),
    # Without a portal session these send the visitor back to a page that has a form.
    "portal:codename": Route("/help/codename/", anonymous=303, staff=303, audience="portal"),
    "portal:codename_en": Route("/help/en/codename/", anonymous=303, staff=303, audience="portal"),
    "portal:codename_new": Route(
        "/help/codename/new/", anonymous=405, staff=405, audience="portal"
    ),
    "portal:codename_new_en": Route(
        "/help/en/codename/new/", anonymous=405, staff=405, audience="portal"
    ),
    "portal:codename_skip": Route(
        "/help/codename/skip/", anonymous=405, staff=405, audience="portal"
    ),
    "portal:codename_skip_en": Route(
        "/help/en/codename/skip/", anonymous=405, staff=405, audience="portal"
    ),
    "portal:enter": Route("/help/enter/", anonymous=200, staff=200, audience="portal"),
    "portal:enter_en": Route("/help/en/enter/", anonymous=200, staff=200, audience="portal"),
    "portal:thread": Route("/help/thread/", anonymous=303, staff=303, audience="portal"),
    "portal:thread_en": Route("/help/en/thread/", anonymous=303, staff=303, audience="portal"),
    "portal:sharing": Route("/help/sharing/", anonymous=405, staff=405, audience="portal"),
    "portal:sharing_en": Route("/help/en/sharing/", anonymous=405, staff=405, audience="portal"),
    "portal:deletion": Route("/help/deletion/", anonymous=405, staff=405, audience="portal"),
    "portal:deletion_en": Route("/help/en/deletion/", anonymous=405, staff=405, audience="portal"),
    "portal:leave": Route("/help/leave/", anonymous=405, staff=405, audience="portal"),
    "portal:leave_en": Route("/help/en/leave/", anonymous=405, staff=405, audience="portal"),
    "portal:exit": Route("/help/exit/", anonymous=303, staff=303, audience="portal"),
}


NO_CASE = "CR-0000-0000"
VIEWED = ("cases.case_viewed",)
DENIED = ("accounts.access_denied",)


@dataclass(frozen=True)
class CaseRoute:
    """A page about one case.

    `who`: "case" (anyone who may see the case: coordinators, assigned caseworkers) or
    "coordinator". `get`: whether it shows a page (a look, one `cases.case_viewed`).
    `post`: whether it takes a change (else POST is 405).
    `key`: a change that seals new text needs the case's key, which a coordinator not
    assigned to the case holds only after opening it for work (else: sent to open it).
    `events`: what an allowed POST writes on the standard fixture of the route test;
    `events_unassigned` when a coordinator not assigned to the case does it.
    """

    path: str
    get: bool = True
    post: bool = True
    who: Literal["case", "coordinator"] = "case"
    key: bool = False
    events: tuple[str, ...] = ()
    events_unassigned: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Outcome:
    status: int
    events: tuple[str, ...]


CASE_POLICY: dict[str, CaseRoute] = {
    "web:case": CaseRoute("/cases/{ref}/", post=False),
    "web:case_open": CaseRoute(
        "/cases/{ref}/open/",
        events=("cases.case_opened_for_work",),
        events_unassigned=("cases.case_revealed",),
    ),
    "web:case_incident": CaseRoute("/cases/{ref}/incidents/{incident}/", post=False),
    "web:case_incident_step": CaseRoute(
        "/cases/{ref}/incidents/{incident}/step/", get=False, events=("cases.incident_step_done",)
    ),
    "web:case_incident_skip": CaseRoute(
        "/cases/{ref}/incidents/{incident}/skip/",
        get=False,
        key=True,
        events=("cases.incident_step_skipped",),
    ),
    "web:case_incident_close": CaseRoute(
        "/cases/{ref}/incidents/{incident}/close/",
        get=False,
        key=True,
        events=("cases.incident_closed",),
    ),
    "web:case_add_member": CaseRoute(
        "/cases/{ref}/members/add/",
        key=True,
        events=("people.person_created", "cases.member_added"),
    ),
    "web:case_remove_member": CaseRoute(
        "/cases/{ref}/members/remove/", events=("cases.member_removed",)
    ),
    "web:case_milestone": CaseRoute(
        "/cases/{ref}/milestones/add/", events=("cases.milestone_recorded",)
    ),
    "web:case_phase": CaseRoute("/cases/{ref}/phase/", events=("cases.phase_changed",)),
    "web:case_raise_flag": CaseRoute("/cases/{ref}/flags/raise/", events=("cases.flag_raised",)),
    "web:case_clear_flag": CaseRoute("/cases/{ref}/flags/clear/", events=("cases.flag_cleared",)),
    # Closing the standard fixture: its placement ends, its journey is cancelled, its two
    # actions are done, its incident and application are kept with a reason, the principal's
    # contact protocol stops.
    "web:case_close": CaseRoute(
        "/cases/{ref}/close/",
        key=True,
        events=(
            "cases.phase_changed",
            "cases.placement_ended",
            "cases.travel_leg_cancelled",
            "cases.task_completed",
            "cases.task_completed",
            "cases.kept_at_closing",
            "cases.kept_at_closing",
            "cases.protocol_stopped",
            "cases.case_closed",
        ),
    ),
    "web:case_reopen": CaseRoute(
        "/cases/{ref}/reopen/",
        who="coordinator",
        events=("cases.phase_changed", "cases.case_reopened"),
    ),
    "web:case_erase_request": CaseRoute(
        "/cases/{ref}/erase/request/",
        who="coordinator",
        events=("accounts.approval_requested",),
    ),
    "web:case_erase": CaseRoute(
        "/cases/{ref}/erase/",
        who="coordinator",
        events=("cases.case_erased",),
    ),
    "web:case_correct_milestone": CaseRoute(
        "/cases/{ref}/milestones/correct/", key=True, events=("cases.milestone_corrected",)
    ),
    "web:case_retract_milestone": CaseRoute(
        "/cases/{ref}/milestones/retract/", key=True, events=("cases.milestone_retracted",)
    ),
    "web:case_assign": CaseRoute(
        "/cases/{ref}/assign/", who="coordinator", events=("cases.case_assigned",)
    ),
    "web:case_unassign": CaseRoute(
        "/cases/{ref}/unassign/", who="coordinator", events=("cases.case_unassigned",)
    ),
    "web:case_link": CaseRoute(
        "/cases/{ref}/link/", who="coordinator", events=("cases.case_linked", "cases.case_linked")
    ),
    "web:case_risk": CaseRoute("/cases/{ref}/risk/", key=True, events=("cases.risk_assessed",)),
    "web:case_protocol": CaseRoute(
        "/cases/{ref}/protocol/", key=True, events=("cases.protocol_set",)
    ),
    "web:case_check_in": CaseRoute("/cases/{ref}/check-in/", events=("cases.check_in_recorded",)),
    "web:case_add_task": CaseRoute(
        "/cases/{ref}/tasks/add/", key=True, events=("cases.task_added",)
    ),
    "web:case_complete_task": CaseRoute(
        "/cases/{ref}/tasks/done/", key=True, events=("cases.task_completed", "cases.task_added")
    ),
    "web:case_add_note": CaseRoute(
        "/cases/{ref}/notes/add/", key=True, events=("cases.note_added",)
    ),
    "web:case_add_expense": CaseRoute(
        "/cases/{ref}/expenses/add/", events=("cases.expense_recorded",)
    ),
    "web:case_add_placement": CaseRoute(
        "/cases/{ref}/placements/add/", key=True, events=("cases.placement_recorded",)
    ),
    "web:case_move_placement": CaseRoute(
        "/cases/{ref}/placements/move/",
        key=True,
        events=(
            "cases.placement_ended",
            "cases.placement_recorded",
            "cases.placement_moved",
        ),
    ),
    "web:case_end_placement": CaseRoute(
        "/cases/{ref}/placements/end/", events=("cases.placement_ended",)
    ),
    "web:case_add_leg": CaseRoute(
        "/cases/{ref}/legs/add/", key=True, events=("cases.travel_leg_recorded",)
    ),
    "web:case_complete_leg": CaseRoute(
        "/cases/{ref}/legs/done/", events=("cases.travel_leg_completed",)
    ),
    "web:case_consent": CaseRoute(
        "/cases/{ref}/consent/", key=True, events=("cases.consent_recorded",)
    ),
    "web:case_raise_incident": CaseRoute(
        "/cases/{ref}/incidents/raise/", events=("cases.incident_opened",)
    ),
    "web:case_start_application": CaseRoute(
        "/cases/{ref}/applications/start/", key=True, events=("pathways.application_started",)
    ),
    # The fixture's two people hold what the chosen plan needs: choosing it records
    # "documents ready" for each (pathways.documents_ready follows the plan).
    "web:case_choose_plan": CaseRoute(
        "/cases/{ref}/plans/choose/",
        events=("pathways.plan_chosen", "cases.milestone_recorded", "cases.milestone_recorded"),
    ),
    "web:case_application_status": CaseRoute(
        "/cases/{ref}/applications/status/", events=("pathways.application_status_recorded",)
    ),
    "web:case_retract_application_status": CaseRoute(
        "/cases/{ref}/applications/retract/",
        key=True,
        events=("pathways.application_status_retracted",),
    ),
    # The person editor: a change reads the current values (to name what changed), then
    # writes; its GET without a person asks whose, showing no plaintext.
    **{
        f"web:case_person_{section}": CaseRoute(
            f"/cases/{{ref}}/people/{section}/",
            key=True,
            events=("people.person_opened", "people.person_updated"),
        )
        for section in ("identity", "contacts", "situation", "danger", "prospects")
    },
    "web:case_document_add": CaseRoute(
        "/cases/{ref}/documents/add/", key=True, events=("people.document_added",)
    ),
    "web:case_document_change": CaseRoute(
        "/cases/{ref}/documents/change/",
        key=True,
        events=("people.person_opened", "people.document_changed"),
    ),
    "web:case_document_remove": CaseRoute(
        "/cases/{ref}/documents/remove/", get=False, key=True, events=("people.document_removed",)
    ),
    "web:case_file_add": CaseRoute(
        "/cases/{ref}/files/add/", key=True, events=("people.document_file_added",)
    ),
    "web:case_file_open": CaseRoute("/cases/{ref}/files/open/", post=False, key=True),
    "web:case_file_preview": CaseRoute("/cases/{ref}/files/preview/", post=False, key=True),
    "web:case_dossier": CaseRoute("/cases/{ref}/dossier/", who="coordinator", post=False, key=True),
    "web:case_document_custody": CaseRoute(
        "/cases/{ref}/documents/custody/",
        key=True,
        events=("people.custody_handover_recorded",),
    ),
    "web:case_document_files": CaseRoute(
        "/cases/{ref}/documents/scans/", key=True, events=("people.document_file_linked",)
    ),
}


def case_outcome(route: CaseRoute, *, role: Role, assigned: bool, method: str) -> Outcome:
    """What `role` gets from `method` on the route, for a case assigned to them or not."""
    if (method == "GET" and not route.get) or (method == "POST" and not route.post):
        return Outcome(405, ())
    sees_case = role is Role.COORDINATOR or (role is Role.CASEWORKER and assigned)
    if route.who == "coordinator":
        sees_case = role is Role.COORDINATOR
    if not sees_case:
        return Outcome(404, DENIED)
    if role is Role.COORDINATOR and not assigned and route.key:
        return Outcome(302, ())  # sent to open the case for work first
    if method == "GET":
        return Outcome(200, VIEWED)
    if role is Role.COORDINATOR and not assigned and route.events_unassigned is not None:
        return Outcome(302, route.events_unassigned)
    return Outcome(302, route.events)


# The header crawler's view of case routes: a reference nobody may see.
ROUTES.update(
    {
        name: Route(
            route.path.format(ref=NO_CASE, incident=ID),
            anonymous=302 if route.get else 405,
            staff=404 if route.get else 405,
        )
        for name, route in CASE_POLICY.items()
    }
)
