"""Form fields for places typed by name: resolved on the server to ISO codes in `clean`.

The browser may offer names from a `<datalist>` while typing (no JavaScript needed);
whatever is typed is resolved here, and an unknown or ambiguous name comes back as
a sentence with suggestions. The cleaned value is a code, never the typed text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import get_language

from corridor.core import places
from corridor.core.exceptions import InvalidInput
from corridor.web.case_forms import PRIVATE

DATALIST_ID = "place-names"


def language() -> str:
    return "ru" if (get_language() or "en").startswith("ru") else "en"


class PlaceField(forms.CharField):
    """A country, region or city by name; cleans to a `places.Place` (or None if empty)."""

    def __init__(self, *, kinds: Iterable[places.Kind] = places.ALL_KINDS, **kwargs: Any) -> None:
        self.kinds = tuple(kinds)
        kwargs.setdefault("max_length", 120)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput({**PRIVATE, "list": DATALIST_ID}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> places.Place | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return places.resolve_place(text, lang=language(), kinds=self.kinds)
        except InvalidInput as problem:
            raise forms.ValidationError(str(problem)) from None


class CountriesField(forms.CharField):
    """Several countries by name, separated by commas; cleans to a sorted list of codes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput({**PRIVATE, "list": DATALIST_ID}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value)
        try:
            return places.resolve_countries(text or "", lang=language())
        except InvalidInput as problem:
            raise forms.ValidationError(str(problem)) from None


def countries_text(codes: Iterable[str]) -> str:
    """Codes shown as the names staff would type back ("Германия, Армения")."""
    return ", ".join(places.country_name(code, language()) for code in codes)
