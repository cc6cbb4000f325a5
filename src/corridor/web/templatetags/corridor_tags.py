"""Small template helpers for staff pages."""

from django import template

register = template.Library()


@register.filter
def lookup(mapping: dict[str, str], key: str) -> str:
    """`{{ names|lookup:entry.actor }}`: a dict value by key, or the empty string."""
    return mapping.get(key, "") if isinstance(mapping, dict) else ""
