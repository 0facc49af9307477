"""Shared pieces of the access layer. Each app's ``access.py`` decides scope and rights;
these helpers give every app the same answers: out of scope is 404, in scope without
the right is 403."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404


def get_in_scope_or_404(queryset: models.QuerySet, **lookup):
    """Fetch one object from an already scoped queryset; anything else is "not found"."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


def require(allowed: bool, message: str = "您没有执行此操作的权限。") -> None:
    if not allowed:
        raise PermissionDenied(message)


def account_has_scope(user) -> bool:
    """Signed in, active, with a role and an organisation: anything less sees nothing."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.role
        and (user.bureau_id or user.kindergarten_id)
    )
