"""The form that uploads a scan or photo of a person's document."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from corridor.people.models import IdentityDocument, Person

FILE_TOO_LARGE = _("The file is larger than %(size)d MB: scan at a lower resolution.")
ACCEPT = "image/jpeg,image/png,image/heic,image/heif,.heic,.heif,application/pdf,text/plain"


class FileUploadForm(forms.Form):
    upload = forms.FileField(
        label=_("File (a JPEG, PNG or HEIC photo, a PDF or plain text)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_(
            "Location, the phone or camera and the author are removed before the file "
            "is stored, encrypted. The original is not kept."
        ),
    )
    title = forms.CharField(
        label=_("What it is"),
        max_length=120,
        required=False,
        help_text=_("For example: passport, pages 2-3. Encrypted like the file."),
    )
    document = forms.ChoiceField(label=_("It shows this document of the register"), required=False)
    rebuild = forms.BooleanField(
        label=_("Rebuild a PDF from pictures of its pages"),
        required=False,
        initial=False,
        help_text=_(
            "For a PDF from someone you do not know: only what its pages show is kept. "
            "Its text can then no longer be selected or searched."
        ),
    )
    by_messenger = forms.BooleanField(
        label=_("It arrived by messenger"),
        required=False,
        help_text=_("You get a task to delete it from the phone and the chat it came through."),
    )

    def __init__(self, *args: Any, person: Person, limit: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = limit
        choices: list[tuple[str, str]] = [("", str(_("None of them")))]
        for row in IdentityDocument.objects.filter(person=person).order_by("created_at", "id"):
            label = row.get_kind_display()
            if row.expires_on:
                label = f"{label} · {row.expires_on:%Y-%m-%d}"
            choices.append((str(row.pk), str(label)))
        field = self.fields["document"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = choices
        self.person = person

    def clean_upload(self) -> Any:
        upload = self.cleaned_data["upload"]
        if upload.size > self.limit:
            raise forms.ValidationError(FILE_TOO_LARGE % {"size": self.limit // (1024 * 1024)})
        return upload

    def chosen_document(self) -> IdentityDocument | None:
        raw = self.cleaned_data.get("document") or ""
        if not raw:
            return None
        return IdentityDocument.objects.filter(pk=raw, person=self.person).first()
