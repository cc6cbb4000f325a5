"""Form drafts for views: prefill a form from what was kept, forget it once submitted.

A view whose form may hold a long text (hotline notes, case notes) marks its
<form> with `data-draft` (the page script saves it every half minute) and:

    form = NoteForm(request.POST or None, initial=initial_from_draft(request))
    if form.is_valid():
        ...service...
        forget_draft(request)
"""

from __future__ import annotations

from django.http import HttpRequest

from corridor.accounts.access import access_draft_by_form
from corridor.accounts.drafts import discard_draft
from corridor.core.exceptions import KeysUnavailable
from corridor.web.decorators import current_staff


def initial_from_draft(request: HttpRequest) -> dict[str, str]:
    """The kept draft of this page's form, if any (its opening is audited).

    While the keys are sealed the form opens empty and the draft waits for unseal.
    """
    try:
        return access_draft_by_form(current_staff(request), request.path_info) or {}
    except KeysUnavailable:
        return {}


def forget_draft(request: HttpRequest) -> None:
    discard_draft(staff=current_staff(request), form_path=request.path_info)
