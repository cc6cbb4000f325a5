"""The witness endpoint partner Corridors call: no session, no cookie, no form.

A POST carries a head signed by a partner's key (the only credential: a request from
anyone else is refused 403 before anything is kept), so a cross-site forgery has
nothing to ride on, and Django's CSRF check, which needs a cookie a server has not
got, is off for these two views only.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from corridor.partners.models import WitnessedHead
from corridor.partners.witnessing import (
    MAX_BODY,
    WIRE_VERSION,
    WitnessRefused,
    held_for_key,
    hold_head,
    parse_post,
)


def _refused(refused: WitnessRefused) -> JsonResponse:
    return JsonResponse({"error": refused.code, "problem": refused.problem}, status=refused.status)


@csrf_exempt  # no cookie authenticates this view: a partner's signature does
@require_POST
def receive_head(request: HttpRequest) -> HttpResponse:
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        return JsonResponse({"error": "too_large", "problem": "the body is too large"}, status=413)
    try:
        head, proof = parse_post(request.body[: MAX_BODY + 1])
        kept = hold_head(head, proof)
    except WitnessRefused as refused:
        return _refused(refused)
    return JsonResponse(
        {"version": WIRE_VERSION, "kept": True, "countersignature": kept.countersignature}
    )


@require_GET
def held_head(request: HttpRequest, key_id: str) -> HttpResponse:
    held = held_for_key(key_id)
    if held is None:
        return JsonResponse({"error": "none_held", "problem": "no head held"}, status=404)
    return JsonResponse(
        {"version": WIRE_VERSION, "head": _as_json(held), "countersignature": held.countersignature}
    )


def _as_json(held: WitnessedHead) -> dict[str, int | str]:
    return {
        "tree_size": held.tree_size,
        "root_hash": held.root_hash,
        "timestamp": held.timestamp,
        "key_id": held.key_id,
        "signature": held.signature,
    }
