"""Matrix rows for the indicators (indicators/urls.py; see tests/matrix.py for the format).

- Dashboard, an indicator's page, the export, the lists: the bureau roles (city viewer, bureau admin
  and staff) 200; supervisors, kindergarten users and no_scope 403 (they have no indicator pages).
- ``indicator`` objects are indicator codes: own is 普惠性幼儿园覆盖率; "foreign" an unknown code (404
  for everyone: indicators have no scope of their own, the district in ``?district=`` has; the
  tests in tests/indicators/test_views.py pin a foreign district's 404).
- ``resident``: district A's figure for 大洼街道 (foreign: district B's, the city viewer's: C's).
  Kept by district A's admin and staff; the city viewer reads it (403 on the form); roles without
  indicator pages do not see it (404).
- ``task``: district A's responsibility-list task (foreign: B's; the city viewer's: C's); kept like
  resident children.
- ``target``: district A's target (foreign: B's; the city viewer's: C's). The city viewer reads A's
  targets but keeps only the city's own (403 on A's form).
"""

from __future__ import annotations

import datetime
import io
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.matrix import Route, refused, statuses

LOGIN = 302
VIEWERS = ("city_viewer", "bureau_admin", "bureau_staff")
KEEPERS = ("bureau_admin", "bureau_staff")
FORM = ("put", "patch", "delete")


def _view(ok: int = 200) -> dict[str, int]:
    return statuses(403, anonymous=LOGIN, **dict.fromkeys(VIEWERS, ok))


def _keep(ok: int) -> dict[str, int]:
    return statuses(403, anonymous=LOGIN, **dict.fromkeys(KEEPERS, ok))


def _keep_object(ok: int) -> dict[str, int]:
    """On a record: keepers ``ok``, the city viewer 403 (reads it), everyone else 404 (sees none)."""
    return statuses(404, anonymous=LOGIN, city_viewer=403, **dict.fromkeys(KEEPERS, ok))


def own_indicator(role, cast):
    return SimpleNamespace(pk="inclusive-coverage")


def foreign_indicator(role, cast):
    return SimpleNamespace(pk="no-such-indicator")


def _resident(district, township):
    from indicators.models import ResidentChildren

    return ResidentChildren.objects.get_or_create(
        township=township,
        year=2025,
        defaults={
            "district": district,
            "children": 100,
            "source": "police",
            "source_date": datetime.date(2025, 1, 5),
        },
    )[0]


def own_resident(role, cast):
    return _resident(cast.district_a, cast.town_a)


def foreign_resident(role, cast):
    if role == "city_viewer":
        return _resident(cast.district_c, cast.town_c)
    return _resident(cast.district_b, cast.town_b)


def _target(bureau):
    from indicators.models import Target

    return Target.objects.get_or_create(
        bureau=bureau, indicator="inclusive-coverage", year=2026, defaults={"value": 85}
    )[0]


def own_target(role, cast):
    return _target(cast.district_a)


def foreign_target(role, cast):
    return _target(cast.district_c if role == "city_viewer" else cast.district_b)


def _task(district, number=1):
    from indicators.models import ResponsibilityTask

    return ResponsibilityTask.objects.get_or_create(
        district=district,
        number=number,
        defaults={
            "title": "新建公办幼儿园",
            "lead_unit": "区教育局",
            "responsible_units": "区财政局、区住建局",
            "deadline": datetime.date(2026, 6, 30),
        },
    )[0]


def own_task(role, cast):
    return _task(cast.district_a)


def foreign_task(role, cast):
    return _task(cast.district_c if role == "city_viewer" else cast.district_b)


def _task_data(cast) -> dict:
    return {
        "number": 7,
        "title": "认定普惠性民办幼儿园",
        "lead_unit": "区教育局",
        "responsible_units": "区财政局",
        "deadline": "2026-09-30",
        "indicator": "inclusive-coverage",
    }


def _resident_data(cast) -> dict:
    return {
        "township": cast.town_a.pk,
        "year": 2026,
        "children": 150,
        "source": "statistics",
        "source_date": "2026-01-10",
    }


def _target_data(cast) -> dict:
    return {"indicator": "gross-enrolment", "year": 2027, "value": "90", "baseline_year": 2024, "baseline_value": "80"}


def _upload(cast) -> dict:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["街道/乡镇", "年度", "3–5 岁常住适龄儿童数", "数据来源", "数据日期"])
    sheet.append([cast.town_a.name, 2026, 200, "公安", "2026-01-05"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {"file": SimpleUploadedFile("常住适龄儿童数.xlsx", buffer.getvalue())}


ROUTES: list[Route] = [
    Route("indicators:dashboard", _view()),
    *refused("indicators:dashboard"),
    Route("indicators:detail", _view(), obj="indicator", kwarg="code"),
    *refused("indicators:detail", obj="indicator", kwarg="code"),
    Route("indicators:export", _view()),
    *refused("indicators:export"),
    Route("indicators:resident-list", _view()),
    *refused("indicators:resident-list"),
    Route("indicators:resident-new", _keep(200)),
    Route("indicators:resident-new", _keep(302), method="post", data=_resident_data),
    *refused("indicators:resident-new", methods=FORM),
    Route("indicators:resident-edit", _keep_object(200), obj="resident"),
    Route("indicators:resident-edit", _keep_object(302), obj="resident", method="post", data=_resident_data),
    *refused("indicators:resident-edit", obj="resident", methods=FORM),
    Route("indicators:resident-import", _keep(200)),
    Route("indicators:resident-import", _keep(302), method="post", data=_upload),
    *refused("indicators:resident-import", methods=FORM),
    Route("indicators:resident-template", _keep(200)),
    *refused("indicators:resident-template"),
    Route("indicators:target-list", _view()),
    *refused("indicators:target-list"),
    Route("indicators:target-new", _view()),
    Route("indicators:target-new", _view(302), method="post", data=_target_data),
    *refused("indicators:target-new", methods=FORM),
    Route("indicators:target-edit", _keep_object(200), obj="target"),
    Route("indicators:target-edit", _keep_object(302), obj="target", method="post", data=_target_data),
    *refused("indicators:target-edit", obj="target", methods=FORM),
]

ROUTES += [
    Route("indicators:task-list", _view()),
    *refused("indicators:task-list"),
    Route("indicators:task-new", _keep(200)),
    Route("indicators:task-new", _keep(302), method="post", data=_task_data),
    *refused("indicators:task-new", methods=FORM),
    Route("indicators:task-edit", _keep_object(200), obj="task"),
    Route("indicators:task-edit", _keep_object(302), obj="task", method="post", data=_task_data),
    *refused("indicators:task-edit", obj="task", methods=FORM),
]

# The API: the same viewers; anonymous callers 401 (TokenAuthentication first).
API_ROUTES: list[Route] = [
    Route("api:indicator-figures", statuses(403, anonymous=401, **dict.fromkeys(VIEWERS, 200)), api=True),
]
ROUTES += API_ROUTES
