"""Logging in and out: password, then second factor; a passkey alone; first-login enrolment."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts import authentication, factors, keyd_login, sessions, webauthn
from corridor.accounts import services as accounts
from corridor.accounts.authentication import PasswordResult
from corridor.accounts.key_failures import record_key_failure
from corridor.accounts.models import Staff
from corridor.core.exceptions import KeyFailure
from corridor.core.inputs import InputRefused, decode_text, parse_json
from corridor.vault.ledger import TicketRefused, acting_with
from corridor.web.decorators import current_staff, staff_required
from corridor.web.forms import (
    BackupCodeForm,
    EnrolmentCodeForm,
    LoginForm,
    ReauthForm,
    TotpForm,
)
from corridor.web.views.dashboard import dashboard

LOGIN_FAILED = _("That username and password do not match an active account.")
LOGIN_DELAYED = ngettext_lazy(
    "Too many attempts for this username. Wait %(seconds)s second and try again.",
    "Too many attempts for this username. Wait %(seconds)s seconds and try again.",
    "seconds",
)
LOGIN_LOCKED = ngettext_lazy(
    "This username is locked for %(minutes)s minute after repeated failures. "
    "If you have a passkey, you can still log in with it.",
    "This username is locked for %(minutes)s minutes after repeated failures. "
    "If you have a passkey, you can still log in with it.",
    "minutes",
)
CODE_WRONG = _("That code is not right, or it was already used. Try the next one.")
START_AGAIN = _("Too many wrong codes. Start again with your password.")
PENDING_GONE = _("Your login took too long. Start again with your password.")
ENROL_CANCELLED = _("Setting up was cancelled. Log in again to start over with a new code.")
NOT_IN_KEYD = _("This account cannot set up a second factor yet: ask an administrator to check it.")
SESSION_ENDED = {
    "idle": _("You were logged out after 15 minutes without activity."),
    "absolute": _("You were logged out after 8 hours. Please log in again."),
    "revoked": _("This session was ended from another device or by an administrator."),
}
PASSKEY_FAILED = _("The security key or passkey was not accepted. Try again or use a code.")
KEYD_DOWN_AT_LOGIN = _(
    "Nobody can log in while the key service is sealed or not running. Ask your trustees "
    "to unseal it, then try again."
)
ENROLMENT_CODE_WRONG = _(
    "That enrolment code is not right, or it has expired or been used. "
    "Ask an administrator for a new one."
)
REAUTH_FAILED = _("The password or the code is not right.")
MAX_JSON_BYTES = 64 * 1024


@require_http_methods(["GET", "HEAD", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors get the login form (200, no redirect); staff get their dashboard."""
    if isinstance(request.user, Staff):
        return dashboard(request)
    notice = SESSION_ENDED.get(str(request.session.pop(sessions.EXPIRED_FLAG, "")))
    form = LoginForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        outcome = authentication.check_password_step(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if outcome.result is PasswordResult.ACCEPTED:
            staff = authentication.pending_staff(request)
            if staff is not None and not _has_factor(staff):
                return redirect("web:enrol")
            return redirect("web:verify")
        if outcome.result is PasswordResult.REJECTED:
            form.add_error(None, LOGIN_FAILED)
            status = 401
        elif outcome.result is PasswordResult.DELAYED:
            form.add_error(None, LOGIN_DELAYED % {"seconds": outcome.retry_after})
            status = 429
        else:
            form.add_error(None, LOGIN_LOCKED % {"minutes": outcome.retry_after // 60})
            status = 429
    response = render(request, "web/login.html", {"form": form, "notice": notice}, status=status)
    if status == 429:
        response["Retry-After"] = str(max(outcome.retry_after, 1))
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the app, a backup code, or a security key."""
    staff = authentication.pending_staff(request)
    if staff is None:
        return _back_to_login(request, PENDING_GONE)
    totp_form = TotpForm(request.POST if "code" in request.POST else None)
    backup_form = BackupCodeForm(request.POST if "backup_code" in request.POST else None)
    status, error = 200, None
    if request.method == "POST":
        accepted = False
        if totp_form.is_valid():
            accepted = authentication.complete_with_totp(
                request, staff=staff, code=totp_form.cleaned_data["code"]
            )
            reason = "totp"
        elif backup_form.is_valid():
            accepted = authentication.complete_with_backup_code(
                request, staff=staff, code=backup_form.cleaned_data["backup_code"]
            )
            reason = "backup_code"
        else:
            reason = "empty"
        if accepted and authentication.must_reenrol(request, staff):
            return redirect("web:enrol")
        if accepted:
            return redirect(sessions.after_login_path(request))
        if authentication.second_factor_failed(request, staff=staff, reason=reason):
            return _back_to_login(request, START_AGAIN)
        totp_form, backup_form = TotpForm(), BackupCodeForm()
        error = CODE_WRONG
        status = 401
    context = {
        "error": error,
        "totp_form": totp_form,
        "backup_form": backup_form,
        "has_passkey": webauthn.has_passkey(staff),
    }
    return render(request, "web/verify.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """First login (or the one re-enrolment once keyd holds the factors): set up a second
    factor before anything else opens."""
    staff = authentication.pending_staff(request)
    if staff is None:
        return _back_to_login(request, PENDING_GONE)
    if keyd_login.keyd_checks_factors():
        return _enrol_with_keyd(request, staff)
    if factors.has_confirmed_factor(staff):
        return _back_to_login(request, PENDING_GONE)
    form = TotpForm(request.POST if request.method == "POST" else None)
    device_id = request.session.get("corridor_enrol_device")
    if (
        form.is_valid()
        and isinstance(device_id, int)
        and accounts.confirm_own_totp(
            staff=staff, device_id=device_id, code=form.cleaned_data["code"]
        )
    ):
        authentication.clear_pending(request)
        sessions.start_staff_session(request, staff=staff, method="totp")
        codes = accounts.replace_own_backup_codes(staff=staff)
        return render(request, "web/backup_codes.html", {"codes": codes, "first": True})
    enrolment = factors.begin_totp_enrolment(staff=staff, issuer=settings.OTP_TOTP_ISSUER)
    request.session["corridor_enrol_device"] = enrolment.device_id
    failed = request.method == "POST"
    context = {"form": TotpForm(), "enrolment": enrolment, "error": CODE_WRONG if failed else None}
    return render(request, "web/enrol.html", context, status=401 if failed else 200)


def _enrol_with_keyd(request: HttpRequest, staff: Staff) -> HttpResponse:
    """keyd makes the secret and keeps it; the code confirms it and brings the ticket.

    Open to someone keyd holds no factor for who has no other factor, or who has just
    proved their old device (the migration); the old device is deleted on success.
    """
    reenrolling = authentication.must_reenrol(request, staff)
    if keyd_login.enrolled_in_keyd(staff) or (
        not reenrolling and factors.has_confirmed_factor(staff)
    ):
        return _back_to_login(request, PENDING_GONE)
    if request.method == "POST" and request.POST.get("cancel"):
        keyd_login.cancel_keyd_enrolment(staff, _enrolment_code(request))
        return _back_to_login(request, ENROL_CANCELLED)
    # A first factor needs the enrolment code keyd made (decision 0012): asked for first.
    code_form = EnrolmentCodeForm(request.POST if "enrolment_code" in request.POST else None)
    if code_form.is_valid():
        request.session[keyd_login.ENROLMENT_CODE] = code_form.cleaned_data["enrolment_code"]
        return redirect("web:enrol")
    token = _enrolment_code(request)
    if token is None:
        failed = "enrolment_code" in request.POST
        return render(
            request,
            "web/enrol_code.html",
            {"form": EnrolmentCodeForm(), "error": ENROLMENT_CODE_WRONG if failed else None},
            status=400 if failed else 200,
        )
    form = TotpForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        ticket = keyd_login.confirm_keyd_enrolment(staff, form.cleaned_data["code"], token)
        if ticket is not None:
            accounts.record_keyd_totp_enrolled(staff=staff)
            authentication.clear_pending(request)
            sessions.start_staff_session(request, staff=staff, method="totp")
            keyd_login.keep_ticket(request, ticket)
            # keyd makes the backup codes with the ticket this enrolment just brought.
            with acting_with(ticket):
                codes = accounts.replace_own_backup_codes(staff=staff)
            return render(request, "web/backup_codes.html", {"codes": codes, "first": True})
    try:
        # The same secret as the page before: a wrong code keeps the QR code just scanned.
        enrolment = keyd_login.begin_keyd_enrolment(staff, token)
    except TicketRefused as refusal:
        if refusal.reason == "enrolment":
            request.session.pop(keyd_login.ENROLMENT_CODE, None)
            context = {"form": EnrolmentCodeForm(), "error": ENROLMENT_CODE_WRONG}
            return render(request, "web/enrol_code.html", context, status=401)
        # An account keyd was never told about (a row written into the data database).
        return _back_to_login(request, NOT_IN_KEYD)
    failed = request.method == "POST"
    context = {
        "form": TotpForm(),
        "enrolment": enrolment,
        "error": CODE_WRONG if failed else None,
        "cancellable": True,
    }
    return render(request, "web/enrol.html", context, status=401 if failed else 200)


@require_POST
def webauthn_options(request: HttpRequest) -> JsonResponse:
    """Challenge for a security key: as a second step if a password was given, else a passkey
    on its own; or, while enrolling, for a new credential."""
    purpose = request.GET.get("for", "login")
    if purpose == "enrol":
        staff = _enrolling_staff(request)
        if staff is None:
            return JsonResponse({"error": str(PENDING_GONE)}, status=403)
        return JsonResponse(webauthn.registration_options(request, staff=staff))
    return JsonResponse(
        webauthn.authentication_options(request, staff=authentication.pending_staff(request))
    )


@require_POST
def webauthn_complete(request: HttpRequest) -> JsonResponse:
    """Check the browser's answer and log in (or finish enrolment)."""
    payload = _json_body(request)
    if payload is None:
        return JsonResponse({"error": str(PASSKEY_FAILED)}, status=400)
    purpose = request.GET.get("for", "login")
    try:
        if purpose == "enrol":
            staff = _enrolling_staff(request)
            if staff is None:
                return JsonResponse({"error": str(PENDING_GONE)}, status=403)
            credential, ticket = webauthn.register_credential(
                request, staff=staff, response=payload, enrolment_token=_enrolment_code(request)
            )
            accounts.record_passkey_enrolled(staff=staff, credential_id=credential.pk)
            authentication.clear_pending(request)
            sessions.start_staff_session(request, staff=staff, method="webauthn")
            if ticket is not None:
                keyd_login.keep_ticket(request, ticket)
            return JsonResponse({"redirect": "/account/?new=passkey"})
        staff = authentication.pending_staff(request)
        if staff is not None:
            authentication.complete_with_webauthn(request, staff=staff, response=payload)
        else:
            authentication.log_in_with_passkey(request, response=payload)
    except webauthn.FactorRejected as rejection:
        if staff is not None:
            authentication.second_factor_failed(request, staff=staff, reason=rejection.reason)
        else:
            authentication.record_passkey_failure(reason=rejection.reason)
        return JsonResponse({"error": str(PASSKEY_FAILED)}, status=400)
    except KeyFailure as failure:
        return _keyd_down_at_login(request, failure)
    return JsonResponse({"redirect": sessions.after_login_path(request)})


def _keyd_down_at_login(request: HttpRequest, failure: KeyFailure) -> JsonResponse:
    """keyd sealed or unreachable while it checks a passkey: recorded and alerted as every
    key failure is, and said as the 503 it is, not as a key that was not accepted."""
    record_key_failure(actor=None, failure=failure, page="webauthn_complete")
    return JsonResponse({"error": str(KEYD_DOWN_AT_LOGIN)}, status=503)


@require_POST
def log_out(request: HttpRequest) -> HttpResponse:
    sessions.end_session(request)
    response = redirect(settings.LOGIN_URL)
    # Tell the browser to drop everything it kept for this site.
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@require_POST
@staff_required
def keep_alive(request: HttpRequest) -> HttpResponse:
    """The idle warning's "stay logged in": the middleware has already counted this request."""
    return JsonResponse({"seconds_left": sessions.seconds_until_idle(request)})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def reauth(request: HttpRequest) -> HttpResponse:
    """Confirm password and code again before a sensitive action."""
    staff = current_staff(request)
    form = ReauthForm(request.POST if request.method == "POST" else None)
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    status = 200
    if form.is_valid():
        if staff.check_password(form.cleaned_data["password"]) and _code_accepted(
            request, staff, form.cleaned_data["code"]
        ):
            sessions.mark_recent_auth(request)
            authentication.record_recent_auth(staff=staff)
            return redirect(target)
        form.add_error(None, REAUTH_FAILED)
        status = 401
    context = {"form": form, "has_passkey": webauthn.has_passkey(staff), "next": target}
    return render(request, "web/reauth.html", context, status=status)


@require_POST
@staff_required
def reauth_webauthn(request: HttpRequest) -> JsonResponse:
    """Recent authentication with a security key instead of password and code."""
    staff = current_staff(request)
    payload = _json_body(request)
    if payload is None:
        return JsonResponse(webauthn.authentication_options(request, staff=staff))
    try:
        webauthn.authenticate_credential(request, staff=staff, response=payload)
        ticket = webauthn.passkey_ticket(payload, staff=staff, second_step=True)
    except webauthn.FactorRejected:
        return JsonResponse({"error": str(PASSKEY_FAILED)}, status=400)
    except KeyFailure as failure:
        return _keyd_down_at_login(request, failure)
    if ticket is not None:
        # keyd's new ticket replaces the old one, as a fresh code's does.
        keyd_login.forget_ticket(request)
        keyd_login.keep_ticket(request, ticket)
    sessions.mark_recent_auth(request)
    authentication.record_recent_auth(staff=staff)
    return JsonResponse({"ok": True})


def _has_factor(staff: Staff) -> bool:
    """A second factor to log in with: keyd's, or (until re-enrolment) the old device."""
    if keyd_login.keyd_checks_factors() and keyd_login.enrolled_in_keyd(staff):
        return True
    return factors.has_confirmed_factor(staff)


def _code_accepted(request: HttpRequest, staff: Staff, code: str) -> bool:
    """A fresh code for a sensitive action; through keyd, whose new ticket replaces the old."""
    if not keyd_login.keyd_checks_factors():
        return factors.verify_totp(staff=staff, code=code) is not None
    ticket = keyd_login.log_in_through_keyd(staff, code)
    if ticket is None:
        return False
    keyd_login.forget_ticket(request)
    keyd_login.keep_ticket(request, ticket)
    return True


def _enrolment_code(request: HttpRequest) -> str | None:
    """The enrolment code the person typed for a first factor (keyd checks it)."""
    code = request.session.get(keyd_login.ENROLMENT_CODE)
    return code if isinstance(code, str) and code else None


def _enrolling_staff(request: HttpRequest) -> Staff | None:
    staff = authentication.pending_staff(request)
    if staff is None or factors.has_confirmed_factor(staff):
        return None
    return staff


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    if not request.body or len(request.body) > MAX_JSON_BYTES:
        return None
    try:
        # The reader's depth limit: nesting within 64 KiB is enough to exhaust the recursion
        # limit of json.loads, which would answer 500 instead of the 400 every bad body gets.
        parsed = parse_json(decode_text(request.body))
    except InputRefused:
        return None
    return parsed if isinstance(parsed, dict) else None


def _back_to_login(request: HttpRequest, message: Any) -> HttpResponse:
    authentication.clear_pending(request)
    return render(request, "web/login.html", {"form": LoginForm(), "notice": message}, status=401)
