"""Supervision's models: assignments (责任督学挂牌), checklist templates, rectification orders, evidence."""

from supervision.models.assignments import SupervisorAssignment
from supervision.models.checklists import ChecklistItem, ChecklistSection, ChecklistTemplate, TemplatePurpose
from supervision.models.draws import RandomDraw
from supervision.models.evidence import EvidenceFile, EvidenceType
from supervision.models.inspections import (
    Inspection,
    InspectionKind,
    InspectionResult,
    InspectionState,
    ItemResult,
    SpecialSubtype,
)
from supervision.models.rectification import (
    OPEN_STATES,
    Escalation,
    EventKind,
    OrderState,
    RectificationEvent,
    RectificationOrder,
    Severity,
)
from supervision.models.selfchecks import SelfCheck, SelfCheckResult, SelfCheckState
from supervision.models.signs import SupervisorSign

__all__ = [
    "OPEN_STATES",
    "Escalation",
    "EventKind",
    "ChecklistItem",
    "ChecklistSection",
    "ChecklistTemplate",
    "EvidenceFile",
    "EvidenceType",
    "Inspection",
    "InspectionKind",
    "InspectionResult",
    "InspectionState",
    "ItemResult",
    "SpecialSubtype",
    "SupervisorSign",
    "OrderState",
    "RandomDraw",
    "RectificationEvent",
    "RectificationOrder",
    "SelfCheck",
    "SelfCheckResult",
    "SelfCheckState",
    "Severity",
    "SupervisorAssignment",
    "TemplatePurpose",
]
