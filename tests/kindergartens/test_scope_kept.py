"""kindergartens_visible_to builds each scope once and hands out copies: evaluating or narrowing one
never touches the next, and each scope (kind and ids) is its own."""

from kindergartens.access import kindergartens_visible_to


def test_each_call_is_a_fresh_copy_of_the_scope(cast):
    first = kindergartens_visible_to(cast.bureau_staff)
    everything = set(first.values_list("pk", flat=True))
    assert everything == {cast.kg_a1.pk, cast.kg_a2.pk}
    list(first)  # evaluated: its rows are kept in this copy only
    narrowed = kindergartens_visible_to(cast.bureau_staff).filter(pk=cast.kg_a1.pk)
    assert list(narrowed.values_list("pk", flat=True)) == [cast.kg_a1.pk]
    again = kindergartens_visible_to(cast.bureau_staff)
    assert again is not first and again._result_cache is None
    assert set(again.values_list("pk", flat=True)) == everything
    # A kindergarten registered since shows at once (the scope is a query, not its rows).
    from tests.factories import KindergartenFactory

    new = KindergartenFactory(name="新园", township=cast.town_a)
    assert new.pk in set(kindergartens_visible_to(cast.bureau_staff).values_list("pk", flat=True))


def test_each_scope_is_its_own(cast):
    city = set(kindergartens_visible_to(cast.city_viewer).values_list("pk", flat=True))
    district_b = set(kindergartens_visible_to(cast.admin_b).values_list("pk", flat=True))
    district_a = set(kindergartens_visible_to(cast.bureau_staff).values_list("pk", flat=True))
    assert city == district_a | district_b and not district_a & district_b
    assert set(kindergartens_visible_to(cast.supervisor).values_list("pk", flat=True)) == {cast.kg_a1.pk}
    assert set(kindergartens_visible_to(cast.director_b1).values_list("pk", flat=True)) == {cast.kg_b1.pk}
    assert not kindergartens_visible_to(cast.no_scope).exists()
