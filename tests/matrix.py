"""The permission matrix: every (route, method) the resolver answers, every role, own and foreign objects.

Each ``Route`` names a URL, the kind of object in its path (if any), the method, and the
status each role gets on an object inside its scope (or on an object-less route). For
an object outside the role's scope every signed-in role must get 404, exactly as for a
missing object; the anonymous visitor is sent to the login page (HTML) or gets 401/403
(API). ``tests/test_permission_matrix.py`` fails when a method a route answers has no row
here, and when a row expects an answer from a method the route refuses (405).

A row whose every signed-in role expects 405 documents a refused method (``refused`` builds
them); such a row may stand for a method the route does not answer, and must not for one it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ANON = "anonymous"
ROLES = ["city_viewer", "bureau_admin", "bureau_staff", "supervisor", "kg_director", "kg_staff", "no_scope"]
ALL = [ANON, *ROLES]
# The methods the matrix keys on. HEAD and OPTIONS are checked apart (test_head_and_options_run_no_handler).
METHODS = ("get", "post", "put", "patch", "delete")
WRITE_METHODS = ("post", "put", "patch", "delete")
# Roles a refused-method row runs for: the method check comes before any access check, so the
# least and the most privileged signed-in roles (and the anonymous visitor) stand for all.
REFUSED_ROLES = (ANON, "bureau_admin", "kg_staff")


@dataclass
class Route:
    name: str
    expect: dict[str, int]  # role -> status code on an in-scope object (or for an object-less route)
    # kind of object in the URL: kindergarten, user, assignment, bureau, township, class, filing, level,
    # credit_grade, import, job, person, employment; supervision: see SUPERVISION_KINDS and TEMPLATE_KINDS
    obj: str | None = None
    method: str = "get"
    data: Callable | None = None  # cast -> request body for POST/PATCH
    api: bool = False
    kwarg: str = "pk"
    foreign: dict[str, int] = field(default_factory=dict)  # overrides for the foreign-object status
    roles: tuple[str, ...] | None = None  # the roles this row runs for; None: every role (ALL)

    def run_roles(self) -> tuple[str, ...]:
        return tuple(ALL) if self.roles is None else self.roles

    def expects_refusal(self) -> bool:
        """Every signed-in role this row runs for expects 405 on own and foreign objects: a refused method."""
        signed_in = [role for role in self.run_roles() if role != ANON]
        return bool(signed_in) and all(
            self.expect[role] == 405 and (self.obj is None or self.foreign.get(role, 404) == 405) for role in signed_in
        )


def statuses(default: int, **overrides: int) -> dict[str, int]:
    result = dict.fromkeys(ALL, default)
    result.update(overrides)
    return result


def refused(
    name: str,
    *,
    obj: str | None = None,
    methods: tuple[str, ...] = WRITE_METHODS,
    anonymous: int = 302,
    api: bool = False,
    kwarg: str = "pk",
    roles: tuple[str, ...] = REFUSED_ROLES,
) -> list[Route]:
    """Rows for methods a route refuses with 405 (the anonymous visitor: ``anonymous``, e.g. 302 to
    the login page when ``login_required`` wraps the method check), on own and foreign objects alike."""
    expect = statuses(405, anonymous=anonymous)
    return [
        Route(name, expect, obj=obj, method=method, api=api, kwarg=kwarg, foreign=dict(expect), roles=roles)
        for method in methods
    ]


# Supervision records (tests/matrix_supervision.py): an order as issued, an order answered and waiting
# for verification, an evidence file; own ones in kg_a1, foreign ones in the role's foreign kindergarten.
SUPERVISION_KINDS = frozenset(
    {
        "order",
        "order_responded",
        "evidence",
        "inspection",
        "inspection_started",
        "inspection_result",
        "inspection_submitted",
        "selfcheck",
        "selfcheck_submitted",
        "selfcheck_result",
        "selfcheck_result_submitted",
    }
)
# A district's checklist template and one of its items: own is district A's, foreign another district's.
# draw: a district's 双随机抽查; sign: a published 挂牌公示 of one of the district's supervisors
TEMPLATE_KINDS = frozenset({"template", "template_item", "draw", "sign"})

# Kinds made on demand by their area's module, which has ``own_<kind>(role, cast)`` and
# ``foreign_<kind>(role, cast)``: kind -> module.
ON_DEMAND_KINDS: dict[str, str] = {
    "notification": "tests.matrix_notifications",
    "submission": "tests.matrix_reports",
    "submitted": "tests.matrix_reports",
    "district_report": "tests.matrix_reports",
    "district_submitted": "tests.matrix_reports",
    "city_report": "tests.matrix_reports",
    "city_report_submitted": "tests.matrix_reports",
    "owned_type": "tests.matrix_reports",
    "report_type": "tests.matrix_reports",
    "agreement": "tests.matrix_pairing",
    "agreement_submitted": "tests.matrix_pairing",
    "agreement_active": "tests.matrix_pairing",
    "pairing_file": "tests.matrix_pairing",
    "plan": "tests.matrix_pairing",
    "indicator": "tests.matrix_indicators",
    "resident": "tests.matrix_indicators",
    "target": "tests.matrix_indicators",
    "task": "tests.matrix_indicators",
    "incident": "tests.matrix_safety",
    "hazard": "tests.matrix_safety",
    "hazard_pending": "tests.matrix_safety",
    "bus": "tests.matrix_safety",
    "draft": "tests.matrix_safety",
}

# Which object is "own" (inside the role's scope) and which is "foreign" for each kind.
_KG_KEY = {"kg_a1": "a1", "kg_a2": "a2", "kg_b1": "b1", "kg_c1": "c1"}


STAFF_KINDS = (
    "person",
    "employment",
    "staff_import",
    "certificate",
    "record_check",
    "training",
    "misconduct",
)  # made on demand (tests/matrix_staffing.py)


def _on_demand(kind: str, which: str, role: str, cast):
    import importlib

    return getattr(importlib.import_module(ON_DEMAND_KINDS[kind]), f"{which}_{kind}")(role, cast)


def own_object(kind: str, role: str, cast):
    if kind in STAFF_KINDS:
        from tests.matrix_staffing import own_staff

        return own_staff(kind, role, cast)
    if kind in ON_DEMAND_KINDS:
        return _on_demand(kind, "own", role, cast)
    if kind == "job":  # made on demand: one per requester (tests/matrix_jobs.py)
        from tests.matrix_jobs import own_job

        return own_job(role, cast)
    if kind in TEMPLATE_KINDS:  # district A's own checklist template (tests/matrix_supervision.py)
        from tests.matrix_supervision import make_template_object

        return make_template_object(kind, cast.district_a)
    if kind in SUPERVISION_KINDS:  # made on demand in kg_a1 (tests/matrix_supervision.py)
        from tests.matrix_supervision import make_object

        return make_object(kind, cast.kg_a1, cast)
    if kind == "kindergarten":
        return cast.kg_a1
    if kind in ("class", "filing"):
        return getattr(cast, f"{kind}_a1")
    if kind == "level":
        return cast.level_ln
    if kind == "credit_grade":
        return cast.grade_a
    if kind == "import":
        return cast.import_a
    if kind == "user":
        return {
            "supervisor": cast.supervisor,
            "kg_director": cast.kg_staff,
            "kg_staff": cast.kg_staff,
        }.get(role, cast.kg_director)
    if kind == "assignment":
        return cast.assignment_a1
    if kind == "bureau":
        return cast.district_a
    if kind == "township":
        return cast.town_a
    raise KeyError(kind)


def foreign_object(kind: str, role: str, cast):
    if kind in STAFF_KINDS:
        from tests.matrix_staffing import foreign_staff

        return foreign_staff(kind, role, cast)
    if kind in ON_DEMAND_KINDS:
        return _on_demand(kind, "foreign", role, cast)
    if kind == "job":
        from tests.matrix_jobs import foreign_job

        return foreign_job(role, cast)
    if kind in TEMPLATE_KINDS:  # another district's template: C for the city viewer, else B
        from tests.matrix_supervision import make_template_object

        return make_template_object(kind, cast.district_c if role == "city_viewer" else cast.district_b)
    if kind in SUPERVISION_KINDS:  # the same, in the role's foreign kindergarten
        from tests.matrix_supervision import make_object

        return make_object(kind, foreign_object("kindergarten", role, cast), cast)
    other_city = role == "city_viewer"
    if kind in ("class", "filing"):
        kg = foreign_object("kindergarten", role, cast)
        key = next(k for name, k in _KG_KEY.items() if getattr(cast, name) == kg)
        return getattr(cast, f"{kind}_{key}")
    if kind == "level":
        return cast.level_bj
    if kind == "credit_grade":
        return cast.grade_c if other_city else cast.grade_b
    if kind == "import":
        return cast.import_c if other_city else cast.import_b
    if kind == "kindergarten":
        if other_city:
            return cast.kg_c1
        if role in ("supervisor", "kg_director", "kg_staff"):
            return cast.kg_a2
        return cast.kg_b1
    if kind == "user":
        if other_city:
            return cast.director_c1
        if role in ("supervisor", "kg_staff"):
            return cast.kg_director
        return cast.director_b1
    if kind == "assignment":
        return cast.assignment_c1 if other_city else cast.assignment_b1
    if kind == "bureau":
        return cast.district_c if other_city else cast.district_b
    if kind == "township":
        return cast.town_c if other_city else cast.town_b
    raise KeyError(kind)
