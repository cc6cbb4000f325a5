"""Input validation for the coordinator's import page; nothing else happens here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from corridor.transfer.mappings import list_mappings

FILE_TOO_LARGE = _(
    "The file is larger than %(size)s MB: split it, or import it with the corridor command."
)
NO_MAPPING = _("Choose a saved mapping or paste one.")


class ImportForm(forms.Form):
    sheet = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    saved = forms.ChoiceField(label=_("Saved mapping"), required=False)
    mapping = forms.CharField(
        label=_("Or paste a mapping (YAML)"),
        required=False,
        max_length=64_000,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "autocomplete": "off"}),
    )
    save_as = forms.SlugField(
        label=_("Save this mapping as"),
        required=False,
        max_length=60,
        help_text=_("A short name, for example list-2017, to reuse it next time."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = [(saved.name, saved.name) for saved in list_mappings()]
        saved = self.fields["saved"]
        assert isinstance(saved, forms.ChoiceField)  # noqa: S101 - declared above
        saved.choices = [("", "—"), *names]

    def clean_sheet(self) -> Any:
        sheet = self.cleaned_data["sheet"]
        limit = int(settings.CORRIDOR_MAX_BODY_BYTES)
        if sheet.size > limit:
            raise forms.ValidationError(FILE_TOO_LARGE % {"size": limit // (1024 * 1024)})
        return sheet

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("saved") and not (cleaned.get("mapping") or "").strip():
            self.add_error("mapping", NO_MAPPING)
        return cleaned
