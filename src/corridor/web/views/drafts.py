"""The page script's autosave: a form marked `data-draft` is kept sealed every half minute."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from corridor.accounts.drafts import stash_draft
from corridor.web.decorators import current_staff, staff_required
from corridor.web.views.auth import _json_body


@require_POST
@staff_required
def save_draft(request: HttpRequest) -> JsonResponse:
    payload = _json_body(request)
    path = payload.get("path") if payload else None
    fields = payload.get("fields") if payload else None
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        return JsonResponse({"error": "path"}, status=400)
    if not isinstance(fields, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
    ):
        return JsonResponse({"error": "fields"}, status=400)
    draft = stash_draft(staff=current_staff(request), form_path=path, fields=fields)
    return JsonResponse({"saved": draft is not None})
