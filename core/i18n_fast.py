"""A faster ``{% translate "constant" %}`` for Django's ``i18n`` template library.

``install()`` (CoreConfig.ready) puts it in the library's place of ``translate``/``trans``, so every
``{% load i18n %}`` gets it (a second library under the name ``i18n`` would be templates.W003).
A constant message with no options (no ``as``, ``context`` or ``noop``, no filter) is translated
once per language and kept on its node: the portal's pages carry dozens of such tags, and Django
translates each again on every render (40 µs apiece, 20 % of the kindergarten record page). Every
other form of the tag, and every other tag and filter of the library, is Django's own.
"""

from __future__ import annotations

from django import template
from django.templatetags import i18n as django_i18n
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language, gettext


def install() -> None:
    """Make ``{% translate %}`` and ``{% trans %}`` of Django's i18n library this module's tag."""
    django_i18n.register.tags["translate"] = do_translate
    django_i18n.register.tags["trans"] = do_translate
    django_i18n.register.tags["language"] = do_language


_LANGUAGE = "core.i18n_fast.language"
_UNSET = object()


class ConstantTranslateNode(template.Node):
    """``{% translate "…" %}`` of a constant: what Django's TranslateNode renders, per language."""

    child_nodelists = ()

    def __init__(self, message: str) -> None:
        self.message = message
        self._by_language: dict[str | None, str] = {}

    def render(self, context) -> str:
        # The active language, asked once per template rendered (a page has dozens of these tags, and
        # each question goes through asgiref's context-local storage).
        state = context.render_context
        language = state.get(_LANGUAGE, _UNSET)
        if language is _UNSET:
            language = state[_LANGUAGE] = get_language()
        try:
            return self._by_language[language]
        except KeyError:
            # As Django does: the message id is the text with its percent signs doubled, restored after.
            value = gettext(self.message.replace("%", "%%")).replace("%%", "%")
            value = mark_safe(value) if isinstance(self.message, SafeData) else value  # noqa: S308 - a template's own literal
            self._by_language[language] = value
            return value


def do_translate(parser, token):
    """Django's tag (``django.templatetags.i18n.do_translate``), then the constant node where it can."""
    node = django_i18n.do_translate(parser, token)
    expression = node.filter_expression
    variable = expression.var
    constant = isinstance(variable, template.Variable) and variable.literal is not None and not expression.filters
    if constant and isinstance(variable.literal, str) and not (node.noop or node.asvar or node.message_context):
        return ConstantTranslateNode(variable.literal)
    return node


class LanguageNode(django_i18n.LanguageNode):
    """``{% language %}``: inside the block the constant tags ask for the language again."""

    def render(self, context) -> str:
        state = context.render_context
        before = state.get(_LANGUAGE, _UNSET)
        state[_LANGUAGE] = _UNSET
        try:
            return super().render(context)
        finally:
            state[_LANGUAGE] = before


def do_language(parser, token):
    node = django_i18n.language(parser, token)
    return LanguageNode(node.nodelist, node.language)
