"""factory_boy factories for the organisations and accounts."""

import factory

from accounts.models import User
from accounts.roles import Role
from kindergartens.models import Bureau, Kindergarten, Nature, Township, UrbanRural

TEST_PASSWORD = "Test-pass-2026"


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bureau

    name = factory.Sequence(lambda n: f"测试市{n}教育局")
    level = Bureau.Level.CITY
    province = "辽宁省"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bureau

    name = factory.Sequence(lambda n: f"测试区{n}教育局")
    level = Bureau.Level.DISTRICT
    parent = factory.SubFactory(CityFactory)
    province = factory.SelfAttribute("parent.province")


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"测试街道{n}")
    urban_rural_code = UrbanRural.MAIN_URBAN


class KindergartenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kindergarten

    name = factory.Sequence(lambda n: f"测试幼儿园{n}")
    township = factory.SubFactory(TownshipFactory)
    district = factory.SelfAttribute("township.district")
    nature = Nature.PUBLIC

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the service, so the dated status/nature history starts like a real registration.
        from kindergartens.services import kindergarten_create

        return kindergarten_create(actor=None, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.BUREAU_STAFF
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # factory_boy passes the object first
        if create:
            obj.save()
