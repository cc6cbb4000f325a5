"""Small template helpers for staff pages."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from django import template
from django.urls import reverse

from corridor.cases.currencies import minor_unit_exponent
from corridor.cases.models import Phase, RiskLevel
from corridor.core import places
from corridor.web.place_fields import DATALIST_ID, language

register = template.Library()


@register.filter
def lookup(mapping: dict[str, str], key: str) -> str:
    """`{{ names|lookup:entry.actor }}`: a dict value by key, or the empty string."""
    return mapping.get(key, "") if isinstance(mapping, dict) else ""


@register.filter
def minor_units(amount: int | None, currency: str) -> str:
    """`12050|minor_units:"EUR"` → `120.50`: an amount in minor units, in major units."""
    if amount is None:
        return ""
    places = minor_unit_exponent(str(currency))
    if not places:
        return str(amount)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(int(amount)), 10**places)
    return f"{sign}{whole}.{fraction:0{places}d}"


@register.filter
def last_ref(cases: Sequence[Any]) -> str:
    """The reference of the last case in a page, for the next page's `after`."""
    return str(cases[-1].ref) if cases else ""


@register.filter
def phase_label(code: str) -> str:
    return str(Phase(code).label) if code in Phase.values else code


@register.filter
def risk_label(code: str) -> str:
    return str(RiskLevel(code).label) if code in RiskLevel.values else "—"


@register.filter
def case_path(ref: str) -> str:
    """`{{ ref|case_path }}`: the case page's path, without a URL reversal per table row
    (boards list hundreds of references)."""
    return _case_path_template().replace(_PLACEHOLDER, str(ref))


_PLACEHOLDER = "CR-0000-0000"


@cache
def _case_path_template() -> str:
    return reverse("web:case", kwargs={"ref": _PLACEHOLDER})


@register.filter
def place_label(code: str) -> str:
    """`{{ leg.to_place|place_label }}`: a stored country or region code by its name."""
    return places.place_name(str(code), language()) or str(code)


@register.filter
def language_labels(codes: Any) -> str:
    """`{{ person.fields.languages|language_labels }}`: each language by its name."""
    return ", ".join(places.language_name(str(code), language()) for code in codes or ())


@register.inclusion_tag("web/_place_datalist.html")
def place_datalist(form: Any) -> dict[str, Any]:
    """The names a browser offers while a place is typed, when `form` has a place field
    (and the city index starts building, so it is ready when the form comes back)."""
    typed = [
        field
        for field in getattr(form, "fields", {}).values()
        if field.widget.attrs.get("list") == DATALIST_ID
    ]
    if not typed:
        return {"names": []}
    places.warm()
    return {"datalist_id": DATALIST_ID, "names": places.datalist_names(language())}
