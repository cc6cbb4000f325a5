"""Reply templates for declining or redirecting many requests at once, one per situation.

The person reads the reply in their portal thread; which language they wrote in is not
kept, so each reply carries the Russian text first (the portal is Russian first), then
the English. Nothing in a template names a staff member, a place or a partner.

    text = reply_text(Situation.OUTSIDE_REGION)
"""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Situation(models.TextChoices):
    OUTSIDE_REGION = "outside_region", _("Outside the region we work in")
    CANNOT_HELP = "cannot_help", _("We cannot help with this")
    OTHER_ORGANISATION = "other_organisation", _("Another organisation can help")
    FLOOD = "flood", _("Part of a flood of requests")


TEMPLATES = {
    Situation.OUTSIDE_REGION: _(
        "Thank you for writing to us. We only work in a few regions and yours is not one "
        "of them, so we cannot take on your request. If you are in immediate danger, "
        "contact people you trust and leave the place where you are threatened if you can."
    ),
    Situation.CANNOT_HELP: _(
        "Thank you for writing to us. What you ask for is not something we can help with, "
        "so we cannot take on your request. If you are in immediate danger, contact people "
        "you trust and leave the place where you are threatened if you can."
    ),
    Situation.OTHER_ORGANISATION: _(
        "Thank you for writing to us. Another organisation is better placed to help with "
        "what you need; we have not passed on anything you told us. Look for a human-rights "
        "or refugee organisation that works where you are, and reach it through a safe "
        "channel."
    ),
    Situation.FLOOD: _(
        "Thank you for writing to us. We received far more requests than usual at once and "
        "cannot take this one on. If you need help, write to us again in a few days."
    ),
}
REPLY_LANGUAGES = ("ru", "en")


def reply_text(situation: Situation) -> str:
    """The template in Russian, then in English, as one message."""
    parts = []
    for language in REPLY_LANGUAGES:
        with translation.override(language):
            parts.append(str(TEMPLATES[situation]))
    return "\n\n".join(parts)
