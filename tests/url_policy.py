"""Every URL pattern's decision: where to request it and what each audience should get.

The header crawler walks the URL resolver and fails on any named pattern that
has no entry here, so a new page cannot ship without someone deciding who may
see it. Case-scoped routes carry their object policy in later tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Route:
    path: str
    anonymous: int
    staff: int
    audience: Literal["staff", "portal"] = "staff"


ROUTES: dict[str, Route] = {
    "web:home": Route("/", anonymous=200, staff=200),
    "web:logout": Route("/logout/", anonymous=405, staff=405),
    "set_language": Route("/i18n/setlang/", anonymous=302, staff=302),
    "portal:start": Route("/help/", anonymous=200, staff=200, audience="portal"),
    "portal:start_en": Route("/help/en/", anonymous=200, staff=200, audience="portal"),
}
