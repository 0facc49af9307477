"""Models of the kindergartens app: organisations, the kindergarten record, filings, imports."""

from .filings import ChangeFiling, ChangeFilingEvent
from .imports import RosterImport
from .organisations import Bureau, CollaborationGroup, Township, UrbanRural, area_name
from .permissions import KindergartenGroupObjectPermission, KindergartenUserObjectPermission
from .registry import (
    DEFAULT_CREDIT_GRADES,
    INCLUSIVE_NATURES,
    OPERATING_STATUSES,
    AnnualInspection,
    AnnualInspectionResult,
    ClassType,
    CreditGrade,
    Kindergarten,
    KindergartenClass,
    KindergartenStatusChange,
    Level,
    Nature,
    PartyOrganisation,
    Schedule,
    Sponsor,
    Status,
    Violation,
)

__all__ = [
    "INCLUSIVE_NATURES",
    "OPERATING_STATUSES",
    "AnnualInspection",
    "AnnualInspectionResult",
    "Bureau",
    "ChangeFiling",
    "ChangeFilingEvent",
    "ClassType",
    "CollaborationGroup",
    "CreditGrade",
    "DEFAULT_CREDIT_GRADES",
    "Kindergarten",
    "KindergartenClass",
    "KindergartenGroupObjectPermission",
    "KindergartenStatusChange",
    "KindergartenUserObjectPermission",
    "Level",
    "Nature",
    "PartyOrganisation",
    "RosterImport",
    "Schedule",
    "Sponsor",
    "Status",
    "Township",
    "UrbanRural",
    "Violation",
    "area_name",
]
