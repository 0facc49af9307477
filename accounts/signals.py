"""Bookkeeping on sign-in (pages and API tokens both send ``user_logged_in``)."""

from django.utils import timezone


def record_sign_in(sender, user, **kwargs):
    """Django's update_last_login, keeping the previous sign-in for "上次登录"."""
    user.previous_login = user.last_login
    user.last_login = timezone.now()
    user.save(update_fields=["previous_login", "last_login"])
