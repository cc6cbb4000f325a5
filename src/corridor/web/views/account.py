"""A person's own account: password, second factors, backup codes, sessions."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts import factors, keyd_login, sessions, webauthn
from corridor.accounts import services as accounts
from corridor.accounts.selectors import factors_of, sessions_of
from corridor.core.exceptions import InvalidInput
from corridor.web.decorators import current_staff, staff_required
from corridor.web.forms import PasswordChangeForm, TotpForm
from corridor.web.views.auth import PASSKEY_FAILED, _json_body

PASSWORD_CHANGED = _("Your password was changed.")
TOTP_ADDED = _("The authenticator app was added.")
PASSKEY_ADDED = _("The passkey was saved. Keep your backup codes somewhere safe too.")
DEVICE_REMOVED = _("The factor was removed.")
SESSIONS_ENDED = _("Every session of yours has ended, this one included. Log in again.")
CODE_WRONG = _("That code is not right. Check the time on your phone and try again.")


@require_http_methods(["GET", "HEAD"])
@staff_required
def account(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    if request.GET.get("new") == "passkey":
        messages.success(request, PASSKEY_ADDED)
    context = {
        "factors": factors_of(staff),
        "backup_codes_left": keyd_login.backup_codes_left(staff),
        "sessions": list(sessions_of(staff)),
        "this_session": request.session.session_key,
    }
    return render(request, "web/account.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def change_password(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            accounts.change_own_password(
                staff=staff, current=form.cleaned_data["current"], new=form.cleaned_data["new"]
            )
        except InvalidInput as problem:
            form.add_error("current", str(problem))
        except ValidationError as problem:
            form.add_error("new", problem)
        else:
            # The password is part of the session hash: keep this session, end the others.
            sessions.keep_session_after_password_change(request, staff=staff)
            messages.success(request, PASSWORD_CHANGED)
            return redirect("web:account")
    status = 400 if form.errors else 200
    return render(request, "web/password.html", {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
@sessions.require_recent_auth
def add_totp(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    form = TotpForm(request.POST if request.method == "POST" else None)
    device_id = request.session.get("corridor_enrol_device")
    if (
        form.is_valid()
        and isinstance(device_id, int)
        and accounts.confirm_own_totp(
            staff=staff, device_id=device_id, code=form.cleaned_data["code"]
        )
    ):
        messages.success(request, TOTP_ADDED)
        return redirect("web:account")
    enrolment = factors.begin_totp_enrolment(staff=staff, issuer=settings.OTP_TOTP_ISSUER)
    request.session["corridor_enrol_device"] = enrolment.device_id
    failed = request.method == "POST"
    context = {"form": TotpForm(), "enrolment": enrolment, "error": CODE_WRONG if failed else None}
    return render(request, "web/add_totp.html", context, status=401 if failed else 200)


@require_POST
@staff_required
@sessions.require_recent_auth
def add_passkey(request: HttpRequest) -> JsonResponse:
    """Two steps through one URL: an empty body asks for options, a body completes."""
    staff = current_staff(request)
    payload = _json_body(request)
    if payload is None:
        return JsonResponse(webauthn.registration_options(request, staff=staff))
    try:
        credential, _ticket = webauthn.register_credential(request, staff=staff, response=payload)
    except webauthn.FactorRejected:
        return JsonResponse({"error": str(PASSKEY_FAILED)}, status=400)
    accounts.record_passkey_enrolled(staff=staff, credential_id=credential.pk)
    return JsonResponse({"redirect": "/account/?new=passkey"})


@require_POST
@staff_required
@sessions.require_recent_auth
def new_backup_codes(request: HttpRequest) -> HttpResponse:
    codes = accounts.replace_own_backup_codes(staff=current_staff(request))
    return render(request, "web/backup_codes.html", {"codes": codes, "first": False})


@require_POST
@staff_required
@sessions.require_recent_auth
def remove_device(request: HttpRequest) -> HttpResponse:
    try:
        accounts.remove_own_device(
            staff=current_staff(request), device=request.POST.get("device", "")
        )
    except InvalidInput as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, DEVICE_REMOVED)
    return redirect("web:account")


@require_POST
@staff_required
def end_all_sessions(request: HttpRequest) -> HttpResponse:
    accounts.log_out_everywhere(staff=current_staff(request))
    response = redirect(settings.LOGIN_URL)
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
