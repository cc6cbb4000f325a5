"""A small form page that uses drafts the way hotline and case-note forms will."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from corridor.web.decorators import staff_required
from corridor.web.drafts import forget_draft, initial_from_draft

SAVED: list[str] = []
_PAGE = engines["django"].from_string(
    '<form method="post" data-draft>{% csrf_token %}{{ form.note }}</form>'
)


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea)


@staff_required
def notes(request: HttpRequest) -> HttpResponse:
    form = NoteForm(request.POST or None, initial=initial_from_draft(request))
    if form.is_valid():
        SAVED.append(form.cleaned_data["note"])
        forget_draft(request)
        return HttpResponse("saved")
    return HttpResponse(_PAGE.render({"form": form}, request))


urlpatterns = [
    path("notes/", notes),
    path("", include("corridor.config.urls")),
]
handler403 = "corridor.core.errors.permission_denied"
