"""Writes to the level vocabulary (级类/星级), one per province. Levels are deactivated, never deleted:
kindergartens keep the level they were given."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from kindergartens.access import can, user_province
from kindergartens.models import Level


def _clean_input(*, province: str, name: str, rank, exclude_pk=None) -> str:
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "请填写等级名称。"
    elif Level.objects.filter(province=province, name=name).exclude(pk=exclude_pk).exists():
        errors["name"] = "本省已有同名的等级。"
    if not isinstance(rank, int) or isinstance(rank, bool) or not 0 <= rank <= 999:
        errors["rank"] = "排序应为 0 到 999 之间的整数。"
    if errors:
        raise ValidationError(errors)
    return name


@transaction.atomic
def level_create(
    *, actor: User | None, name: str, rank: int, description: str = "", province: str | None = None
) -> Level:
    """Add a level to the actor's province. ``province`` is only for system set-up (``actor`` None)."""
    if actor is not None:
        if not can(actor, "manage_levels"):
            raise PermissionDenied("您不能维护幼儿园等级。")
        province = user_province(actor)
    if not province:
        raise ValidationError("未设置所属省份，不能维护幼儿园等级。")
    name = _clean_input(province=province, name=name, rank=rank)
    level = Level(province=province, name=name, rank=rank, description=(description or "").strip())
    level.full_clean()
    level.save()
    return level


@transaction.atomic
def level_update(*, actor: User | None, level: Level, name: str, rank: int, description: str, is_active: bool) -> Level:
    if actor is not None and (not can(actor, "manage_levels") or user_province(actor) != level.province):
        raise PermissionDenied("您不能维护该等级。")
    level.name = _clean_input(province=level.province, name=name, rank=rank, exclude_pk=level.pk)
    level.rank, level.description, level.is_active = rank, (description or "").strip(), bool(is_active)
    level.full_clean()
    level.save(update_fields=["name", "rank", "description", "is_active"])
    return level
