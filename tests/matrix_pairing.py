"""Matrix rows for pairing (pairing/urls.py and its API; see tests/matrix.py for the format).

Objects are made on demand (tests/pairing/helpers.py adds kg_a3, kg_b2, kg_c2 to the cast):
- ``agreement`` (a draft), ``agreement_submitted``, ``agreement_active``: own is kg_a1 (district A)
  helping kg_b1 (district B), seen by every role of the cast. Foreign: the city viewer's is between
  kg_c1 and kg_c2 (another city); district A's bureau's between kg_b1 and kg_b2; the supervisor's and
  the kindergarten's users' between kg_a2 and kg_a3 (their district, not their kindergarten).
- ``pairing_file``: a signed file of that agreement. ``plan``: district A's 2025 plan (foreign: B's;
  the city viewer: C's). Supervisors and kindergarten users have no plans at all (404).
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.matrix import Route, refused, statuses

LOGIN = 302
API_ANON = 401
KG_ROLES = ("supervisor", "kg_director", "kg_staff")


def _setup(cast):
    from tests.pairing.helpers import pairing_setup

    return pairing_setup(cast)


def _agreement(role, cast, *, own: bool, state: str):
    from tests.pairing.helpers import make_agreement

    c = _setup(cast)
    if own:
        return make_agreement(c.kg_a1, c.kg_b1, state=state, created_by=c.kg_director)
    if role == "city_viewer":
        return make_agreement(c.kg_c1, c.kg_c2, state=state, created_by=c.director_c1)
    if role in KG_ROLES:
        return make_agreement(c.kg_a2, c.kg_a3, state=state, created_by=c.director_a2)
    return make_agreement(c.kg_b1, c.kg_b2, state=state, created_by=c.director_b1)


def own_agreement(role, cast):
    return _agreement(role, cast, own=True, state="draft")


def foreign_agreement(role, cast):
    return _agreement(role, cast, own=False, state="draft")


def own_agreement_submitted(role, cast):
    return _agreement(role, cast, own=True, state="submitted")


def foreign_agreement_submitted(role, cast):
    return _agreement(role, cast, own=False, state="submitted")


def own_agreement_active(role, cast):
    return _agreement(role, cast, own=True, state="active")


def foreign_agreement_active(role, cast):
    return _agreement(role, cast, own=False, state="active")


def own_pairing_file(role, cast):
    from tests.pairing.helpers import make_file

    return make_file(own_agreement_active(role, cast), cast.kg_director)


def foreign_pairing_file(role, cast):
    from tests.pairing.helpers import make_file

    return make_file(foreign_agreement_active(role, cast), cast.kg_director)


def own_plan(role, cast):
    from tests.pairing.helpers import make_plan

    return make_plan(cast.district_a)


def foreign_plan(role, cast):
    from tests.pairing.helpers import make_plan

    return make_plan(cast.district_c if role == "city_viewer" else cast.district_b)


def _agreement_post(cast):
    c = _setup(cast)
    return {
        "title": "跨区域结对帮扶协议",
        "mode": "cross_district",
        "helping": [c.kg_a1.pk],
        "helped": [c.kg_b1.pk],
        "start_date": "2025-09-01",
        "end_date": "2027-08-31",
        "forms": ["on_site"],
        "rights_obligations": "双方权利义务",
        "content": "帮扶内容",
        "goals": "帮扶目标",
    }


def _activity_post(cast):
    return {
        "date": "2025-10-15",
        "form": "on_site",
        "helping_people": "3",
        "helped_people": "6",
        "hours": "2.5",
        "content": "入园指导",
    }


def _plan_post(cast):
    return {"year": "2025", "helping_count": "1", "helped_count": "1", "helping": [cast.kg_a1.pk], "note": ""}


def _target_post(cast):
    return {
        "year": "2025",
        "participants": "20",
        "rural_share": "35",
        "cycle_share": "100",
        "plan_due": "2025-09-05",
        "agreements_due": "2025-10-15",
        "idle_days": "45",
    }


def _signed_file(cast):
    from tests.pairing.helpers import PDF

    return {"files": SimpleUploadedFile("协议.pdf", PDF, content_type="application/pdf")}


def _only(ok: int, *roles: str, other: int = 403, no_scope: int = 403, anonymous: int = LOGIN) -> dict[str, int]:
    result = statuses(other, anonymous=anonymous, no_scope=no_scope)
    result.update(dict.fromkeys(roles, ok))
    return result


IN_SCOPE = statuses(200, anonymous=LOGIN, no_scope=404)
BUREAU = ("bureau_admin", "bureau_staff")
POST_ONLY = ("get", "put", "patch", "delete")
PUT_PATCH_DELETE = ("put", "patch", "delete")

ROUTES: list[Route] = [
    Route("pairing:agreements", statuses(200, anonymous=LOGIN, no_scope=403)),
    *refused("pairing:agreements"),
    Route("pairing:agreement-create", _only(200, "kg_director")),
    Route("pairing:agreement-create", _only(302, "kg_director"), method="post", data=_agreement_post),
    *refused("pairing:agreement-create", methods=PUT_PATCH_DELETE),
    Route("pairing:agreement-detail", IN_SCOPE, obj="agreement"),
    *refused("pairing:agreement-detail", obj="agreement"),
    Route("pairing:agreement-edit", _only(200, "kg_director", "kg_staff", no_scope=404), obj="agreement"),
    Route("pairing:agreement-edit", _only(302, "kg_director", "kg_staff", no_scope=404), obj="agreement",
          method="post", data=_agreement_post),
    *refused("pairing:agreement-edit", obj="agreement", methods=PUT_PATCH_DELETE),
    Route("pairing:agreement-submit", _only(302, "kg_director", no_scope=404), obj="agreement", method="post"),
    *refused("pairing:agreement-submit", obj="agreement", methods=POST_ONLY),
    Route("pairing:agreement-confirm", _only(302, *BUREAU, no_scope=404), obj="agreement_submitted", method="post"),
    *refused("pairing:agreement-confirm", obj="agreement_submitted", methods=POST_ONLY),
    Route("pairing:agreement-return", _only(302, *BUREAU, no_scope=404), obj="agreement_submitted", method="post",
          data=lambda c: {"reason": "请补充帮扶措施"}),
    *refused("pairing:agreement-return", obj="agreement_submitted", methods=POST_ONLY),
    # Not yet at its end date: the bureau is answered with the reason (a redirect with a message).
    Route("pairing:agreement-complete", _only(302, *BUREAU, no_scope=404), obj="agreement_active", method="post"),
    *refused("pairing:agreement-complete", obj="agreement_active", methods=POST_ONLY),
    Route("pairing:agreement-end", _only(302, *BUREAU, no_scope=404), obj="agreement_active", method="post",
          data=lambda c: {"reason": "被帮扶园停办"}),
    *refused("pairing:agreement-end", obj="agreement_active", methods=POST_ONLY),
    Route("pairing:agreement-upload", _only(302, "kg_director", *BUREAU, no_scope=404), obj="agreement",
          method="post", data=_signed_file),
    *refused("pairing:agreement-upload", obj="agreement", methods=POST_ONLY),
    Route("pairing:activity-create", _only(200, "kg_director", "kg_staff", no_scope=404), obj="agreement_active"),
    Route("pairing:activity-create", _only(302, "kg_director", "kg_staff", no_scope=404), obj="agreement_active",
          method="post", data=_activity_post),
    *refused("pairing:activity-create", obj="agreement_active", methods=PUT_PATCH_DELETE),
    Route("pairing:file-download", IN_SCOPE, obj="pairing_file"),
    *refused("pairing:file-download", obj="pairing_file"),
    Route("pairing:plans", _only(200, "city_viewer", *BUREAU)),
    *refused("pairing:plans"),
    Route("pairing:plan-edit", _only(200, *BUREAU)),
    Route("pairing:plan-edit", _only(302, *BUREAU), method="post", data=_plan_post),
    *refused("pairing:plan-edit", methods=PUT_PATCH_DELETE),
    Route("pairing:plan-submit", statuses(404, anonymous=LOGIN, city_viewer=403, bureau_admin=302, bureau_staff=302),
          obj="plan", method="post"),
    *refused("pairing:plan-submit", obj="plan", methods=POST_ONLY),
    Route("pairing:targets", _only(200, "city_viewer", *BUREAU)),
    Route("pairing:targets", _only(302, "city_viewer"), method="post", data=_target_post),
    *refused("pairing:targets", methods=PUT_PATCH_DELETE),
    Route("pairing:overview", _only(200, "city_viewer", *BUREAU)),
    *refused("pairing:overview"),
]  # fmt: skip


# --- API -------------------------------------------------------------------------------------------------


def _api(ok: int, *roles: str) -> dict[str, int]:
    result = statuses(403, anonymous=API_ANON, no_scope=404)
    result.update(dict.fromkeys(roles, ok))
    return result


def _api_agreement(cast):
    body = _agreement_post(cast)
    return {**body, "forms": ["on_site"]}


ROUTES += [
    Route("api:pairing-agreement-list", statuses(200, anonymous=API_ANON), api=True),
    Route("api:pairing-agreement-list", {**_api(201, "kg_director"), "no_scope": 403}, method="post", api=True,
          data=_api_agreement),
    Route("api:pairing-agreement-detail", statuses(200, anonymous=API_ANON, no_scope=404), obj="agreement", api=True),
    Route("api:pairing-agreement-submit", _api(200, "kg_director"), obj="agreement", method="post", api=True),
    Route("api:pairing-agreement-confirm", _api(200, *BUREAU), obj="agreement_submitted", method="post", api=True),
    Route("api:pairing-agreement-return", _api(200, *BUREAU), obj="agreement_submitted", method="post", api=True,
          data=lambda c: {"reason": "请补充帮扶措施"}),
    # Not yet at its end date: 400 with the reason.
    Route("api:pairing-agreement-complete", _api(400, *BUREAU), obj="agreement_active", method="post", api=True),
    Route("api:pairing-agreement-end", _api(200, *BUREAU), obj="agreement_active", method="post", api=True,
          data=lambda c: {"reason": "被帮扶园停办"}),
    Route("api:pairing-agreement-log-activity", _api(201, "kg_director", "kg_staff"), obj="agreement_active",
          method="post", api=True, data=_activity_post),
    Route("api:pairing-activity-list", statuses(200, anonymous=API_ANON), api=True),
    Route("api:pairing-plan-list", statuses(200, anonymous=API_ANON), api=True),
    Route("api:pairing-plan-detail", statuses(404, anonymous=API_ANON, city_viewer=200, bureau_admin=200,
                                              bureau_staff=200), obj="plan", api=True),
    # A district bureau files its own district's plan; the city reads them (403), as do the others.
    Route("api:pairing-plan-list", {**_api(200, *BUREAU), "no_scope": 403}, method="post", api=True,
          data=lambda c: {"year": 2025, "helping_count": 1, "helped_count": 1, "helping": [c.kg_a1.pk]}),
    Route("api:pairing-plan-submit", statuses(404, anonymous=API_ANON, city_viewer=403, bureau_admin=200,
                                              bureau_staff=200), obj="plan", method="post", api=True),
]  # fmt: skip
