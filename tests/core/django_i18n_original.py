"""Django's own {% translate %} and {% trans %}, as a template library the i18n_fast test compares with
(core.i18n_fast.install puts the fast tag in Django's library itself)."""

from django import template
from django.templatetags import i18n

register = template.Library()
register.tags.update(i18n.register.tags)
register.filters.update(i18n.register.filters)
register.tags["translate"] = register.tags["trans"] = i18n.do_translate
