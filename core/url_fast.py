"""A ``{% url %}`` that reverses each (name, arguments) once per process.

``install()`` (CoreConfig.ready) puts it in the place of Django's built-in ``url`` tag. Reversing runs
Django's resolver (candidate patterns, converters, quoting, three language look-ups): ~25 µs a tag, and
the kindergarten record page carries eighteen. URL patterns do not change while the process runs, so
the answer for the same view name, arguments (integers and strings only), current application, script
prefix and URLconf is kept (at most ``MAX_KEPT``). Anything else — a model instance or another object
as an argument, a name that does not reverse — is left to Django's own tag, errors included.
"""

from __future__ import annotations

from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

MAX_KEPT = 20_000
_kept: dict[tuple, str] = {}


def install() -> None:
    defaulttags.register.tags["url"] = url


def _plain(value) -> bool:
    """An integer or a string (a template's literal is a SafeString); not a bool, which would share a
    key with 1 or 0 and reverse differently."""
    return isinstance(value, int | str) and not isinstance(value, bool)


class KeptURLNode(defaulttags.URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        plain = all(_plain(v) for v in args) and all(_plain(v) for _, v in kwargs)
        view_name = self.view_name.resolve(context)
        if not plain or not isinstance(view_name, str):
            return super().render(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        key = (view_name, args, kwargs, current_app, get_script_prefix(), get_urlconf())
        found = _kept.get(key)
        if found is None:
            try:
                found = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
            except NoReverseMatch:  # Django's own tag answers (and raises) as it always does
                return super().render(context)
            if len(_kept) >= MAX_KEPT:
                _kept.clear()
            _kept[key] = found
        if self.asvar:
            context[self.asvar] = found
            return ""
        return conditional_escape(found) if context.autoescape else found


def url(parser, token):
    """Django's tag (``django.template.defaulttags.url``), with its node kept per answer."""
    node = defaulttags.url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
