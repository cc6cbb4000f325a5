"""The coordinator's import page: upload a spreadsheet and a mapping, read the preview of
every row, confirm. The same checks and writes as `corridor import cases`
(transfer/services.py); the upload is held sealed in between (transfer/uploads.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts.roles import Role
from corridor.core.exceptions import InvalidInput
from corridor.transfer import mappings
from corridor.transfer.access import access_upload_by_id
from corridor.transfer.mapping import parse_mapping
from corridor.transfer.services import RowOutcome, check_import, run_import
from corridor.transfer.uploads import Upload, hold_upload, shred_upload
from corridor.web.decorators import current_staff, role_required
from corridor.web.import_forms import ImportForm

CANCELLED = _("The upload was discarded; nothing was imported.")
ACTIONS = {
    "create": pgettext_lazy("import row", "Creates a case"),
    "refused": pgettext_lazy("import row", "Refused"),
    "duplicate": pgettext_lazy("import row", "Duplicate"),
    "imported_before": pgettext_lazy("import row", "Imported before"),
}
COUNTED = {
    "people": _("people"),
    "milestones": _("milestones"),
    "expenses": _("expenses"),
    "placements": _("placements"),
    "journeys": _("journeys"),
    "applications": _("applications"),
    "notes": _("notes"),
}
IN_COLUMN = _("column “%(column)s”: %(message)s")


@dataclass(frozen=True)
class Line:
    """One row of the preview, in words."""

    row: int
    action: str
    label: str
    details: list[str]


def _lines(outcomes: list[RowOutcome]) -> list[Line]:
    lines = []
    for outcome in outcomes:
        if outcome.action == "create":
            details = [
                f"{COUNTED[name]}: {count}" for name, count in outcome.counts.items() if count
            ]
            if outcome.case_ref:
                details.insert(0, outcome.case_ref)
        else:
            details = [
                str(IN_COLUMN % {"column": p.column, "message": p.message})
                if p.column
                else p.message
                for p in outcome.problems
            ]
        lines.append(Line(outcome.row, outcome.action, str(ACTIONS[outcome.action]), details))
    return lines


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.COORDINATOR)
def import_cases(request: HttpRequest) -> HttpResponse:
    """Upload and check: the preview lists what each row would do; nothing is written."""
    staff = current_staff(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            text = (
                data["mapping"]
                if data["mapping"].strip()
                else mappings.saved_mapping(data["saved"])
            )
            mapping = parse_mapping(text)
            raw = data["sheet"].read()
            if data["save_as"]:
                mappings.save_mapping(actor=staff, name=data["save_as"], body=text)
            plan = check_import(
                actor=staff, data=raw, filename=data["sheet"].name, mapping=mapping, as_staff=staff
            )
        except InvalidInput as problem:
            form.add_error(None, str(problem))
        else:
            held = None
            if plan.count("create"):
                held = hold_upload(
                    staff=staff,
                    upload=Upload(filename=data["sheet"].name, data=raw, mapping=text),
                )
            context = {"plan": plan, "held": held, "lines": _lines(plan.outcomes)}
            return render(request, "web/import/preview.html", context)
    status = 400 if form.errors else 200
    return render(request, "web/import/upload.html", {"form": form}, status=status)


@require_POST
@role_required(Role.COORDINATOR)
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Write the checked rows (checked again: things may have changed since the preview)."""
    staff = current_staff(request)
    try:
        held, upload = access_upload_by_id(staff, request.POST.get("held", ""))
        plan = check_import(
            actor=staff,
            data=upload.data,
            filename=upload.filename,
            mapping=parse_mapping(upload.mapping),
            as_staff=staff,
        )
    except InvalidInput as problem:
        form = ImportForm()
        form.add_error(None, str(problem))
        return render(request, "web/import/upload.html", {"form": form}, status=400)
    result = run_import(actor=staff, plan=plan, as_staff=staff)
    if result.stopped_at is None:
        shred_upload(actor=staff, held=held, reason="imported")
    context = {
        "result": result,
        "lines": _lines([*result.refused]),
        "created": len(result.created),
    }
    return render(request, "web/import/done.html", context)


@require_POST
@role_required(Role.COORDINATOR)
def import_cancel(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    try:
        held, _upload = access_upload_by_id(staff, request.POST.get("held", ""))
    except InvalidInput:
        return redirect("web:import_cases")
    shred_upload(actor=staff, held=held, reason="cancelled")
    from django.contrib import messages

    messages.info(request, CANCELLED)
    return redirect("web:import_cases")
