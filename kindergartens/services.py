"""Writes to kindergartens and organisations."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from kindergartens.access import kindergarten_can
from kindergartens.models import Bureau, CollaborationGroup, Kindergarten, Township


def _validate_places(*, district: Bureau, township: Township, group: CollaborationGroup | None) -> None:
    if district.level != Bureau.Level.DISTRICT:
        raise ValidationError({"district": "幼儿园必须属于区县教育局。"})
    if township.district_id != district.pk:
        raise ValidationError({"township": "街道/乡镇不属于该区县。"})
    if group is not None and group.district_id != district.pk:
        raise ValidationError({"collaboration_group": "协作组不属于该区县。"})


@transaction.atomic
def kindergarten_create(
    *,
    actor: User | None,
    name: str,
    district: Bureau,
    township: Township,
    nature: str,
    collaboration_group: CollaborationGroup | None = None,
) -> Kindergarten:
    _validate_places(district=district, township=township, group=collaboration_group)
    kindergarten = Kindergarten(
        name=name.strip(), district=district, township=township, nature=nature, collaboration_group=collaboration_group
    )
    kindergarten.full_clean()
    kindergarten.save()
    return kindergarten


@transaction.atomic
def kindergarten_update(
    *,
    actor: User,
    kindergarten: Kindergarten,
    name: str,
    township: Township,
    nature: str,
    collaboration_group: CollaborationGroup | None,
) -> Kindergarten:
    if not kindergarten_can(actor, kindergarten, "change"):
        raise PermissionDenied("您不能修改该幼儿园。")
    _validate_places(district=kindergarten.district, township=township, group=collaboration_group)
    kindergarten.name = name.strip()
    kindergarten.township = township
    kindergarten.nature = nature
    kindergarten.collaboration_group = collaboration_group
    kindergarten.full_clean()
    kindergarten.save(update_fields=["name", "township", "nature", "collaboration_group", "updated_at"])
    return kindergarten
