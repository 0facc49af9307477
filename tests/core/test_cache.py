"""core.cache: values kept until a model they were built from changes."""

from django.apps import apps
from django.core.cache import cache
from django.db.models.signals import post_migrate

from core.cache import _generation_key, cached
from kindergartens.models import Bureau


def counting_build(value):
    calls = []

    def build():
        calls.append(1)
        return value

    return build, calls


def test_a_value_is_built_once_until_its_model_changes(cast):
    build, calls = counting_build(["选项"])
    assert cached("options", build, depends_on=[Bureau]) == ["选项"]
    assert cached("options", build, depends_on=[Bureau]) == ["选项"]
    assert len(calls) == 1
    cast.district_a.save()  # Bureau is watched (kindergartens.apps)
    cached("options", build, depends_on=[Bureau])
    assert len(calls) == 2


def test_none_is_never_kept(db):
    build, calls = counting_build(None)
    cached("nothing", build, depends_on=[Bureau])
    cached("nothing", build, depends_on=[Bureau])
    assert len(calls) == 2


def test_an_evicted_generation_does_not_revive_an_old_value(db):
    first, _ = counting_build("旧")
    assert cached("k", first, depends_on=[Bureau]) == "旧"
    cache.delete(_generation_key(Bureau))  # evicted: whatever was built before is unknown
    second, calls = counting_build("新")
    assert cached("k", second, depends_on=[Bureau]) == "新"
    assert len(calls) == 1


def test_migrate_invalidates_what_was_built_before_it(db):
    first, _ = counting_build("旧")
    cached("k", first, depends_on=[Bureau])
    config = apps.get_app_config("core")
    post_migrate.send(sender=config, app_config=config, verbosity=0, interactive=False, using="default", apps=apps)
    second, calls = counting_build("新")
    assert cached("k", second, depends_on=[Bureau]) == "新"
    assert len(calls) == 1
