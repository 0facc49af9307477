"""Reads for the pairing pages: list filters and the home card."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.roles import KINDERGARTEN_ROLES
from pairing.access import BUREAU, agreements_visible_to
from pairing.models import Agreement, AgreementParty


def home_counts(user) -> dict:
    qs = agreements_visible_to(user)
    counts = qs.aggregate(
        draft=Count("pk", filter=Q(state=Agreement.State.DRAFT)),
        submitted=Count("pk", filter=Q(state=Agreement.State.SUBMITTED)),
        active=Count("pk", filter=Q(state=Agreement.State.ACTIVE)),
    )
    to_confirm = 0
    if user.role in BUREAU and user.bureau_id:
        to_confirm = (
            qs.filter(state=Agreement.State.SUBMITTED).exclude(confirmations__district_id=user.bureau_id).count()
        )
    counts["to_confirm"] = to_confirm
    counts["kg"] = user.role in KINDERGARTEN_ROLES
    counts["any"] = bool(counts["draft"] or counts["submitted"] or counts["active"] or to_confirm)
    return counts


def agreement_search(qs: QuerySet, *, q: str = "", state: str = "", mode: str = "") -> QuerySet:
    if q:
        parties = AgreementParty.objects.filter(kindergarten__name__icontains=q).values("agreement_id")
        qs = qs.filter(Q(title__icontains=q) | Q(pk__in=parties))
    if state:
        qs = qs.filter(state=state)
    if mode:
        qs = qs.filter(mode=mode)
    return qs
