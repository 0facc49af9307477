"""{% translate %} of a constant is translated once per language (core.i18n_fast) and renders exactly
what Django's own tag renders."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.utils import translation

from core.i18n_fast import ConstantTranslateNode

DJANGO_ENGINE = Engine(libraries={"i18n": "tests.core.django_i18n_original"})

CASES = [
    '{% load i18n %}{% translate "Log in" %}',
    "{% load i18n %}{% trans 'Password' %}",
    '{% load i18n %}{% translate "幼儿园<b>名单</b> 100%% 完成" %}',
    '{% load i18n %}{% translate "Log in" as label %}[{{ label }}]',
    '{% load i18n %}{% translate "May" context "month name" %}',
    '{% load i18n %}{% translate "Log in" noop %}',
    '{% load i18n %}{% translate "Log in"|upper %}',
    "{% load i18n %}{% translate msg %}",
    "{% load i18n %}{% blocktranslate %}Log in{% endblocktranslate %}",
]


@pytest.mark.parametrize("source", CASES)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_renders_what_djangos_tag_renders(source, language):
    context = {"msg": "Log in & <out>"}
    ours = engines["django"].from_string(source)
    with translation.override(language):
        # Twice: the second render reads what the first kept.
        first, second = ours.render(context), ours.render(context)
        expected = DJANGO_ENGINE.from_string(source).render(Context(context))
    assert first == second == expected


def test_a_constant_follows_the_active_language():
    template = engines["django"].from_string('{% load i18n %}{% translate "Log in" %}')
    with translation.override("zh-hans"):
        chinese = template.render({})
    with translation.override("en"):
        english = template.render({})
    with translation.override("zh-hans"):
        again = template.render({})
    assert english == "Log in" and chinese == again != english


def test_only_plain_constants_take_the_fast_node():
    nodes = (
        engines["django"].from_string('{% load i18n %}{% translate "Log in" %}{% translate msg %}').template.nodelist
    )
    kinds = [type(node).__name__ for node in nodes]
    assert kinds.count("ConstantTranslateNode") == 1 and "TranslateNode" in kinds
    assert ConstantTranslateNode


def test_a_language_block_is_followed_inside_and_left_after():
    template = engines["django"].from_string(
        '{% load i18n %}{% translate "Log in" %}|{% language "en" %}{% translate "Log in" %}{% endlanguage %}|'
        '{% translate "Log in" %}'
    )
    with translation.override("zh-hans"):
        before, inside, after = template.render({}).split("|")
        chinese = translation.gettext("Log in")
    assert inside == "Log in" and before == after == chinese != inside
