from django.urls import path, register_converter

from corridor.web.converters import CaseRefConverter
from corridor.web.views import (
    account,
    approvals,
    audit_log,
    auth,
    board,
    case_actions,
    cases,
    cost_settings,
    drafts,
    incidents,
    staff_admin,
)

register_converter(CaseRefConverter, "caseref")

app_name = "web"
urlpatterns = [
    path("", auth.home, name="home"),
    path("login/verify/", auth.verify, name="verify"),
    path("login/enrol/", auth.enrol, name="enrol"),
    path("login/webauthn/options/", auth.webauthn_options, name="webauthn_options"),
    path("login/webauthn/complete/", auth.webauthn_complete, name="webauthn_complete"),
    path("logout/", auth.log_out, name="logout"),
    path("session/keep-alive/", auth.keep_alive, name="keep_alive"),
    path("session/draft/", drafts.save_draft, name="save_draft"),
    path("account/", account.account, name="account"),
    path("account/reauth/", auth.reauth, name="reauth"),
    path("account/reauth/webauthn/", auth.reauth_webauthn, name="reauth_webauthn"),
    path("account/password/", account.change_password, name="password"),
    path("account/totp/", account.add_totp, name="add_totp"),
    path("account/passkey/", account.add_passkey, name="add_passkey"),
    path("account/backup-codes/", account.new_backup_codes, name="backup_codes"),
    path("account/devices/remove/", account.remove_device, name="remove_device"),
    path("account/sessions/end/", account.end_all_sessions, name="end_sessions"),
    path("staff/", staff_admin.staff_list, name="staff_list"),
    path("staff/<int:staff_id>/", staff_admin.staff_detail, name="staff_detail"),
    path("staff/<int:staff_id>/active/", staff_admin.staff_active, name="staff_active"),
    path("staff/<int:staff_id>/role/<str:action>/", staff_admin.staff_role, name="staff_role"),
    path("staff/<int:staff_id>/<str:kind>/", staff_admin.staff_gated, name="staff_gated"),
    path("approvals/", approvals.approval_list, name="approvals"),
    path(
        "approvals/<uuid:approval_id>/review/",
        approvals.approval_review,
        name="approval_review",
    ),
    path(
        "approvals/<uuid:approval_id>/<str:decision>/",
        approvals.approval_decide,
        name="approval_decide",
    ),
    path("approvals/on-call/", approvals.on_call, name="on_call"),
    path("audit/", audit_log.events, name="audit_events"),
    path("audit/touches/", audit_log.touches, name="audit_touches"),
    path("audit/activity/", audit_log.activity, name="audit_activity"),
    path("audit/insider/", audit_log.insider_alerts, name="audit_insider"),
    path("board/", board.board, name="board"),
    path("board/surge/", board.surge_declare, name="surge_declare"),
    path("board/surge/<int:surge_id>/end/", board.surge_end, name="surge_end"),
    path("board/alerts/<uuid:alert_id>/review/", board.alert_review, name="alert_review"),
    path("settings/exchange-rates/", cost_settings.exchange_rates, name="exchange_rates"),
    path("settings/funding-sources/", cost_settings.funding_sources, name="funding_sources"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("cases/find/", cases.case_find, name="case_find"),
    # Case-scoped pages: addressed by reference only; each has a policy in tests/url_policy.py.
    path("cases/<caseref:ref>/", cases.case_page, name="case"),
    path("cases/<caseref:ref>/open/", cases.case_open, name="case_open"),
    path(
        "cases/<caseref:ref>/incidents/<uuid:incident_id>/",
        incidents.incident_page,
        name="case_incident",
    ),
    path(
        "cases/<caseref:ref>/incidents/<uuid:incident_id>/step/",
        incidents.incident_step,
        name="case_incident_step",
    ),
    path(
        "cases/<caseref:ref>/incidents/<uuid:incident_id>/close/",
        incidents.incident_close,
        name="case_incident_close",
    ),
    *case_actions.action_urls(),
]
