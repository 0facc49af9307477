"""挂牌督导公示: a supervisor's own choice of what the public pages show (service and selectors).

Nothing is public unless the supervisor publishes it; the photo is checked from its content with
the evidence checks (JPEG or PNG only here) and served only by ``public_sign_photo``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from supervision.evidence import evidence_check
from supervision.models import SupervisorAssignment, SupervisorSign


def sign_can_edit(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.SUPERVISOR)


def sign_get(user) -> SupervisorSign:
    """The supervisor's own settings (unsaved defaults, not published, if none yet)."""
    return SupervisorSign.objects.filter(supervisor=user).first() or SupervisorSign(supervisor=user)


@transaction.atomic
def sign_update(
    *, actor: User, published: bool, work_phone: str = "", photo=None, remove_photo: bool = False
) -> SupervisorSign:
    if not sign_can_edit(actor):
        raise PermissionDenied("只有责任督学可以设置挂牌公示信息。")
    sign = SupervisorSign.objects.select_for_update().filter(supervisor=actor).first() or SupervisorSign(
        supervisor=actor
    )
    checked = None
    if photo is not None:
        files = evidence_check([photo])
        if files[0].content_type not in ("image/jpeg", "image/png"):
            raise ValidationError({"photo": "照片须为 JPG 或 PNG 图片。"})
        checked = files[0]
    old_photo = sign.photo.name if sign.photo and (checked or remove_photo) else ""
    sign.published = bool(published)
    sign.work_phone = (work_phone or "").strip()
    sign.updated_at = timezone.now()
    if checked is not None:
        sign.photo_type = checked.content_type
        sign.photo.save("photo", ContentFile(checked.data), save=False)
    elif remove_photo:
        sign.photo = ""
        sign.photo_type = ""
    try:
        sign.full_clean()
        sign.save()
    except Exception:
        if checked is not None:
            sign.photo.delete(save=False)
        raise
    if old_photo:
        storage = sign.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo))
    return sign


def public_sign_for(kindergarten) -> SupervisorSign | None:
    """The published sign of the kindergarten's current responsible supervisor, else None (one query)."""
    assignment = (
        SupervisorAssignment.objects.filter(
            kindergarten=kindergarten,
            ended_at__isnull=True,
            supervisor__is_active=True,
            supervisor__supervisor_sign__published=True,
        )
        .select_related("supervisor__supervisor_sign")
        .first()
    )
    return assignment.supervisor.supervisor_sign if assignment else None


def public_sign_get(pk) -> SupervisorSign | None:
    """A sign whose photo may be served: published, its supervisor active and responsible somewhere."""
    return (
        SupervisorSign.objects.filter(
            pk=pk,
            published=True,
            supervisor__is_active=True,
            supervisor__supervision_assignments__ended_at__isnull=True,
        )
        .exclude(photo="")
        .first()
    )
