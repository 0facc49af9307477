"""Supervision pages, one module per area. ``assignment_create`` is re-exported for
kindergartens.urls (the record page's 指派责任督学 route)."""

from supervision.views.assignments import assignment_create

__all__ = ["assignment_create"]
