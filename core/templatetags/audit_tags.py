"""The change history on a page: names, labels and Beijing times (core.history), never machine values."""

from django import template

from core.history import entry_views

register = template.Library()


@register.simple_tag
def audit_entries(entries):
    """Readable views of a page of audit entries, their references named in one query per model."""
    return entry_views(entries)
