"""A ``{% url %}`` that reverses each (name, arguments) once per process (and ``{% static %}`` each path).

``install()`` (CoreConfig.ready) puts it in the place of Django's built-in ``url`` tag. Reversing runs
Django's resolver (candidate patterns, converters, quoting, three language look-ups): ~25 µs a tag, and
the kindergarten record page carries eighteen. URL patterns do not change while the process runs, so
the answer for the same view name, arguments (integers and strings only), current application, script
prefix and URLconf is kept (at most ``MAX_KEPT``). Anything else — a model instance or another object
as an argument, a name that does not reverse — is left to Django's own tag, errors included.
"""

from __future__ import annotations

from django.template import defaulttags
from django.templatetags import static
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

MAX_KEPT = 20_000
_kept: dict[tuple, str] = {}


def install() -> None:
    defaulttags.register.tags["url"] = url
    static.register.tags["static"] = static_tag


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
        try:
            found = _kept_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:  # Django's own tag answers (and raises) as it always does
            return super().render(context)
        if self.asvar:
            context[self.asvar] = found
            return ""
        return conditional_escape(found) if context.autoescape else found


def _kept_reverse(view_name: str, args: tuple, kwargs: tuple, current_app) -> str:
    key = (view_name, args, kwargs, current_app, get_script_prefix(), get_urlconf())
    found = _kept.get(key)
    if found is None:
        found = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key] = found
    return found


def kept_reverse(view_name: str, args=(), kwargs=None) -> str:
    """``django.urls.reverse(view_name, args=…, kwargs=…)`` for integer and string arguments, each
    answer kept per process like the tag's (other arguments: Django's reverse, nothing kept)."""
    args = tuple(args)
    kwargs = tuple(sorted((kwargs or {}).items()))
    if not (all(_plain(v) for v in args) and all(_plain(v) for _, v in kwargs)):
        return reverse(view_name, args=args, kwargs=dict(kwargs))
    return _kept_reverse(view_name, args, kwargs, None)


def url(parser, token):
    """Django's tag (``django.template.defaulttags.url``), with its node kept per answer."""
    node = defaulttags.url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)


_static_kept: dict[str, str] = {}


class KeptStaticNode(static.StaticNode):
    """``{% static "path" %}`` with a literal path: the storage's URL (the manifest's hashed name in
    production, 30 µs a tag) asked once per process; a path from a variable goes Django's way."""

    def url(self, context):
        literal = isinstance(self.path.var, str) and not self.path.filters
        if not literal:
            return super().url(context)
        path = str(self.path.var)
        found = _static_kept.get(path)
        if found is None:
            found = _static_kept[path] = self.handle_simple(path)
        return found


def static_tag(parser, token):
    """Django's ``{% static %}`` (``django.templatetags.static.do_static``), its node kept per path."""
    return KeptStaticNode.handle_token(parser, token)
