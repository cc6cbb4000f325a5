"""The internal report (the coordinators' dashboard and the gated internal export).

Unsuppressed figures: small numbers here can point to people, so the page is
for coordinators and auditors only and an export needs a second coordinator.
Every figure is still counted from plain columns; nothing is decrypted.
"""

from __future__ import annotations

from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _

from corridor.reports.internal.applications import application_sections
from corridor.reports.internal.money import costs_sections, requests_section
from corridor.reports.internal.operations import (
    closures_section,
    first_response_section,
    incidents_section,
    open_cases_section,
    workload_section,
)
from corridor.reports.internal.progress import progress_sections
from corridor.reports.layout import Document
from corridor.reports.periods import Period


def build_internal_document(period: Period | None, *, language: str, today: date) -> Document:
    """Every internal figure for `period` (None: all time), in `language`."""
    with translation.override(language):
        scope = period.code if period else _("all time")
        return Document(
            title=_("Internal report: %(scope)s") % {"scope": scope},
            language=language,
            generated_on=today,
            summary=(
                _(
                    "Internal figures, not for publication: small numbers here can point to "
                    "people. Counted from case records without opening any of them."
                ),
            ),
            sections=(
                *progress_sections(period),
                *application_sections(period),
                incidents_section(period),
                closures_section(period),
                first_response_section(period),
                open_cases_section(),
                workload_section(today),
                *costs_sections(period),
                requests_section(period),
            ),
        )
