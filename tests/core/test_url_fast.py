"""core.url_fast: {% url %} renders what Django's tag renders, reverses each (name, arguments) once,
and leaves anything else (objects as arguments, names that do not reverse) to Django."""

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse

from core import url_fast

CASES = [
    ("{% url 'kindergartens:list' %}", lambda: reverse("kindergartens:list")),
    ("{% url 'kindergartens:detail' 42 %}", lambda: reverse("kindergartens:detail", args=[42])),
    ("{% url 'kindergartens:detail' pk=pk %}", lambda: reverse("kindergartens:detail", kwargs={"pk": 7})),
    ("{% url 'kindergartens:detail' pk %}?tab=info", lambda: reverse("kindergartens:detail", args=[7]) + "?tab=info"),
    ("{% url 'kindergartens:detail' text %}", lambda: reverse("kindergartens:detail", args=["12"])),
    (
        "{% url 'kindergartens:detail' pk as link %}[{{ link }}]",
        lambda: f"[{reverse('kindergartens:detail', args=[7])}]",
    ),
    ("{% url 'no-such-page' as link %}[{{ link }}]", lambda: "[]"),
    ("{% url name pk %}", lambda: reverse("kindergartens:detail", args=[7])),
    ("{% url 'kindergartens:list' %}?q={{ q }}", lambda: reverse("kindergartens:list") + "?q=&lt;b&gt;"),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_renders_what_reverse_gives(source, expected):
    context = {"pk": 7, "text": "12", "name": "kindergartens:detail", "q": "<b>"}
    ours = engines["django"].from_string(source)
    first, second = ours.render(context), ours.render(context)
    assert first == second == expected()


@pytest.fixture
def reversed_names(monkeypatch) -> list:
    """Each call of Django's reverse made by core.url_fast, from an empty store."""
    calls = []
    real = url_fast.reverse

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(url_fast, "reverse", counting)
    url_fast._kept.clear()
    return calls


def test_each_answer_is_reversed_once(reversed_names):
    calls = reversed_names
    template = engines["django"].from_string("{% url 'kindergartens:detail' pk %}")
    assert [template.render({"pk": pk}) for pk in (1, 2, 1, 2, 1)] == [
        "/kindergartens/1/",
        "/kindergartens/2/",
        "/kindergartens/1/",
        "/kindergartens/2/",
        "/kindergartens/1/",
    ]
    assert len(calls) == 2


def test_a_name_that_does_not_reverse_raises_as_django_does():
    with pytest.raises(NoReverseMatch):
        engines["django"].from_string("{% url 'no-such-page' %}").render({})


def test_a_boolean_is_not_taken_for_an_integer():
    url_fast._kept.clear()
    template = engines["django"].from_string("{% url 'kindergartens:detail' pk %}")
    assert template.render({"pk": 1}) == "/kindergartens/1/"
    with pytest.raises(NoReverseMatch):  # as Django: "True" is no id
        template.render({"pk": True})


def test_an_object_argument_is_left_to_django():
    class Thing:
        def __str__(self):
            return "5"

    url_fast._kept.clear()
    html = engines["django"].from_string("{% url 'kindergartens:detail' thing %}").render({"thing": Thing()})
    assert html == "/kindergartens/5/" and not url_fast._kept


def test_kept_reverse_gives_what_reverse_gives(reversed_names):
    calls = reversed_names
    for _ in range(3):
        assert url_fast.kept_reverse("kindergartens:list") == reverse("kindergartens:list")
        assert url_fast.kept_reverse("kindergartens:detail", args=[9]) == reverse("kindergartens:detail", args=[9])
        assert url_fast.kept_reverse("kindergartens:detail", kwargs={"pk": 9}) == "/kindergartens/9/"
    assert len(calls) == 3
    with pytest.raises(NoReverseMatch):
        url_fast.kept_reverse("kindergartens:detail", args=[True])
    with pytest.raises(NoReverseMatch):
        url_fast.kept_reverse("no-such-page")


STATIC_CASES = [
    ("{% load static %}{% static 'css/app.css' %}", "css/app.css", "{}"),
    ("{% load static %}{% static path %}", "js/app.js", "{}"),
    ("{% load static %}{% static 'css/app.css' as link %}[{{ link }}]", "css/app.css", "[{}]"),
    ("{% load static %}{% static path|lower %}", "css/app.css", "{}"),
]


@pytest.mark.parametrize(("source", "path", "shape"), STATIC_CASES)
def test_static_renders_what_django_renders(source, path, shape):
    from django.templatetags.static import static

    ours = engines["django"].from_string(source)
    context = {"path": "CSS/APP.css" if "lower" in source else "js/app.js"}
    assert ours.render(context) == ours.render(context) == shape.format(static(path))


def test_static_asks_the_storage_once_per_literal_path(monkeypatch):
    from django.templatetags.static import StaticNode

    calls = []
    real = StaticNode.handle_simple.__func__

    def counting(cls, path):
        calls.append(path)
        return real(cls, path)

    monkeypatch.setattr(StaticNode, "handle_simple", classmethod(counting))
    url_fast._static_kept.clear()
    literal = engines["django"].from_string("{% load static %}{% static 'css/app.css' %}")
    variable = engines["django"].from_string("{% load static %}{% static path %}")
    for _ in range(3):
        literal.render({})
        variable.render({"path": "js/app.js"})
    assert calls.count("css/app.css") == 1
    assert calls.count("js/app.js") == 3
