"""Writes to a kindergarten's classes (班级) and their headcounts. Classes are deactivated, never deleted."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from kindergartens.access import kindergarten_can, kindergartens_visible_to
from kindergartens.models import ClassType, Kindergarten, KindergartenClass, Status


def _check_rights(actor: User | None, kindergarten: Kindergarten) -> None:
    # actor None is system set-up (seed data, test cast); pages and the API always pass the user.
    if actor is not None and not (
        kindergarten_can(actor, kindergarten, "manage_classes")
        # kindergarten_can trusts the caller to have fetched in scope; a service cannot assume it.
        and kindergartens_visible_to(actor).filter(pk=kindergarten.pk).exists()
    ):
        raise PermissionDenied("您不能管理该幼儿园的班级。")


def _clean_input(*, kindergarten: Kindergarten, name: str, class_type: str, children, exclude_pk=None) -> str:
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "请填写班级名称。"
    elif (
        KindergartenClass.objects.filter(kindergarten=kindergarten, name=name, is_active=True)
        .exclude(pk=exclude_pk)
        .exists()
    ):
        errors["name"] = "本园已有同名的在用班级。"
    if class_type not in ClassType.values:
        errors["class_type"] = "请选择班级类型。"
    if not isinstance(children, int) or isinstance(children, bool) or children < 0:
        errors["children"] = "在班幼儿数应为不小于 0 的整数。"
    if errors:
        raise ValidationError(errors)
    return name


@transaction.atomic
def class_create(
    *, actor: User | None, kindergarten: Kindergarten, name: str, class_type: str, children: int
) -> KindergartenClass:
    """Open a class. A class over its size limit is allowed: it is reported, not refused."""
    _check_rights(actor, kindergarten)
    if kindergarten.status == Status.CLOSED:
        raise ValidationError("已注销的幼儿园不能新增班级。")
    name = _clean_input(kindergarten=kindergarten, name=name, class_type=class_type, children=children)
    klass = KindergartenClass(kindergarten=kindergarten, name=name, class_type=class_type, children=children)
    klass.full_clean()
    klass.save()
    return klass


@transaction.atomic
def class_update(
    *, actor: User | None, klass: KindergartenClass, name: str, class_type: str, children: int
) -> KindergartenClass:
    _check_rights(actor, klass.kindergarten)
    if not klass.is_active:
        raise ValidationError("该班级已停用，不能修改。")
    name = _clean_input(
        kindergarten=klass.kindergarten, name=name, class_type=class_type, children=children, exclude_pk=klass.pk
    )
    klass.name, klass.class_type, klass.children = name, class_type, children
    klass.full_clean()
    klass.save(update_fields=["name", "class_type", "children"])
    return klass


@transaction.atomic
def class_deactivate(*, actor: User | None, klass: KindergartenClass) -> KindergartenClass:
    """Stop a class (graduated, merged): it leaves enrolment and compliance counts but stays on record."""
    _check_rights(actor, klass.kindergarten)
    if not klass.is_active:
        raise ValidationError("该班级已经停用。")
    klass.is_active = False
    klass.save(update_fields=["is_active"])
    return klass
