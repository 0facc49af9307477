"""What a report holds and how a filled one is checked (``ReportTypeVersion.content``).

A version's content is plain JSON so a bureau can define a report without new code::

    {"sections": [{"key": "enrolment", "title": "在园幼儿与班级", "fields": [
        {"key": "children", "label": "在园幼儿数", "kind": "number", "unit": "人", "required": true,
         "min": 0, "prefill": "enrolled", "jump": 0.2, "jump_min": 10},
        {"key": "video_checked", "label": "…", "kind": "choice", "choices": [["yes", "是"], ["no", "否"]]},
        {"key": "notes", "label": "…", "kind": "text"},
        {"key": "evidence", "label": "…", "kind": "file"},
        {"key": "drills", "label": "…", "kind": "table", "columns": [
            {"key": "date", "label": "日期", "kind": "date"}, {"key": "kind", "label": "类型", "kind": "text"}]}]}],
     "rules": [{"key": "staff_balance", "level": "hard", "message": "…",
                "if": {"field": "a", "op": "eq", "value": "no"},          # optional
                "then": {"field": "b", "op": "le", "fields": ["c", "d"]}}]}  # b <= c + d

Rules: ``hard`` ones block the submission with their message; ``soft`` ones ask for an explanation
(kept in ``Submission.explanations`` under the rule's key). A number field with ``jump`` compares
itself with the submitter's previous month: a relative change above ``jump`` (and an absolute one of
at least ``jump_min``) asks for an explanation under ``jump:<field>``. Fields with ``computed`` are
filled by the server (district reports), never by the submitter.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

FIELD_KINDS = ("number", "choice", "text", "file", "table")
COLUMN_KINDS = ("number", "text", "date", "choice")
OPS = ("eq", "ne", "gt", "ge", "lt", "le", "filled", "empty", "rows_ge")
TEXT_MAX = 2000
AGGREGATES = ("sum", "sum_decimal", "count_eq", "count_lt")  # district reports' computed figures
TABLE_MAX_ROWS = 200


@dataclass(frozen=True)
class Finding:
    """One rule that a filled report breaks. ``level``: hard (blocks), soft or jump (needs an explanation)."""

    key: str
    level: str
    message: str
    field: str = ""


def fields(content: dict) -> Iterator[dict]:
    for section in content.get("sections", []):
        yield from section.get("fields", [])


def field_map(content: dict) -> dict[str, dict]:
    return {f["key"]: f for f in fields(content)}


def rows_key(field_key: str) -> str:
    """Where a table's row count is kept beside its rows (summed by district reports)."""
    return f"{field_key}__rows"


def validate_content(content: dict) -> None:
    """Refuse a malformed definition with a message a bureau admin can act on."""
    errors = []
    if not isinstance(content, dict) or not isinstance(content.get("sections"), list) or not content["sections"]:
        raise ValidationError("报表内容至少要有一个栏目。")
    seen: set[str] = set()
    for section in content["sections"]:
        if not section.get("title"):
            errors.append("每个栏目都要有标题。")
        for f in section.get("fields", []):
            key = f.get("key", "")
            if not key or not key.replace("_", "").isalnum() or not key.isascii():
                errors.append(f"栏目“{section.get('title', '')}”中有字段缺少编码或编码不规范。")
                continue
            if key in seen:
                errors.append(f"字段编码重复：{f.get('label', key)}。")
            seen.add(key)
            if not f.get("label"):
                errors.append(f"字段 {key} 缺少名称。")
            if f.get("kind") not in FIELD_KINDS:
                errors.append(f"字段“{f.get('label', key)}”的类型不正确。")
            if f.get("kind") == "choice" and not f.get("choices"):
                errors.append(f"选择题“{f.get('label', key)}”没有选项。")
            source = f.get("source")
            if source is not None and (
                not f.get("computed")
                or not isinstance(source, dict)
                or source.get("agg") not in AGGREGATES
                or not isinstance(source.get("field"), str)
            ):
                errors.append(f"字段“{f.get('label', key)}”的汇总方式不正确。")
            if f.get("kind") == "choice" and not all(
                isinstance(c, (list, tuple)) and len(c) == 2 and all(str(x).strip() for x in c)
                for c in f.get("choices") or []
            ):
                errors.append(f"选择题“{f.get('label', key)}”的选项不正确。")
            if f.get("kind") == "table":
                for column in f.get("columns", []):
                    if column.get("kind") not in COLUMN_KINDS or not column.get("key"):
                        errors.append(f"表格“{f.get('label', key)}”的列定义不正确。")
    for rule in content.get("rules", []):
        if rule.get("level") not in ("hard", "soft") or not rule.get("key") or not rule.get("message"):
            errors.append("每条校验规则都要有编码、级别（硬性/提示）和提示语。")
            continue
        for part in ("if", "then"):
            condition = rule.get(part)
            if condition is None and part == "if":
                continue
            if not isinstance(condition, dict) or condition.get("op") not in OPS or condition.get("field") not in seen:
                errors.append(f"校验规则“{rule['message']}”引用了不存在的字段或不支持的比较。")
            for other in (condition or {}).get("fields", []):
                if other not in seen:
                    errors.append(f"校验规则“{rule['message']}”引用了不存在的字段。")
    if errors:
        raise ValidationError(errors)


# --- cleaning what a submitter typed ----------------------------------------------------------------


def _number(value: Any, field: dict) -> int | Decimal | None:
    if value in (None, ""):
        return None
    text = str(value).strip().replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError("请填写数字。") from exc
    if not number.is_finite():
        raise ValueError("请填写数字。")
    decimals = int(field.get("decimals", 0))
    if decimals == 0:
        if number != number.to_integral_value():
            raise ValueError("请填写整数。")
        number = int(number)
    else:
        number = number.quantize(Decimal(1).scaleb(-decimals))
    if "min" in field and number < field["min"]:
        raise ValueError(f"不能小于 {field['min']}。")
    if "max" in field and number > field["max"]:
        raise ValueError(f"不能大于 {field['max']}。")
    return number


def _cell(value: Any, column: dict) -> Any:
    kind = column.get("kind")
    if value in (None, ""):
        return None
    if kind == "number":
        return _number(value, column)
    if kind == "date":
        try:
            return datetime.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError as exc:
            raise ValueError("日期格式应为 2025-03-08。") from exc
    if kind == "choice":
        allowed = {c[0] for c in column.get("choices", [])}
        if value not in allowed:
            raise ValueError("请从选项中选择。")
        return value
    return str(value).strip()[:TEXT_MAX]


def _json_number(value):
    """Numbers are stored as JSON numbers (Decimal as float would lose digits: kept as int or str)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def clean_data(content: dict, raw: dict, *, check_required: bool) -> tuple[dict, dict[str, str]]:
    """(cleaned data, {field key: error}) from what the submitter typed. Computed fields are left out.

    ``check_required``: a draft may be incomplete; a submission may not.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields(content):
        if f.get("computed"):
            continue
        key, kind = f["key"], f["kind"]
        value = raw.get(key)
        try:
            if kind == "number":
                value = _json_number(_number(value, f))
            elif kind == "choice":
                allowed = {c[0] for c in f["choices"]}
                value = value if value not in (None, "") else None
                if value is not None and value not in allowed:
                    raise ValueError("请从选项中选择。")
            elif kind == "text":
                value = str(value).strip() if value not in (None,) else ""
                if len(value) > int(f.get("max_length", TEXT_MAX)):
                    raise ValueError(f"不能超过 {f.get('max_length', TEXT_MAX)} 个字。")
                value = value or None
            elif kind == "file":
                value = value if isinstance(value, dict) and value.get("name") else None
            elif kind == "table":
                rows = []
                for row in value or []:
                    if not isinstance(row, dict):
                        continue
                    cells = {c["key"]: _json_number(_cell(row.get(c["key"]), c)) for c in f.get("columns", [])}
                    if any(v not in (None, "") for v in cells.values()):
                        rows.append(cells)
                if len(rows) > TABLE_MAX_ROWS:
                    raise ValueError(f"最多 {TABLE_MAX_ROWS} 行。")
                value = rows
                cleaned[rows_key(key)] = len(rows)
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if check_required and f.get("required") and value in (None, "", []):
            errors[key] = "此项为必填项。"
        cleaned[key] = value
    return cleaned, errors


# --- rules ---------------------------------------------------------------------------------------------


def _value(data: dict, key: str):
    value = data.get(key)
    if isinstance(value, list):
        return len(value)
    return value


def _holds(condition: dict, data: dict, *, missing: bool = True) -> bool:
    """Whether ``condition`` holds. A comparison with a figure not filled in gives ``missing``: a rule's
    "then" is not broken by a blank (the required check speaks for blanks), its "if" is not met."""
    op = condition["op"]
    left = _value(data, condition["field"])
    if op == "filled":
        return left not in (None, "")
    if op == "empty":
        return left in (None, "")
    if "fields" in condition:
        parts = [_value(data, k) for k in condition["fields"]]
        if any(p is None for p in parts):
            return missing
        right = sum(parts) + condition.get("value", 0)
    else:
        right = condition.get("value")
    if left is None:
        return missing
    if op == "rows_ge":
        op = "ge"
    try:
        return {
            "eq": left == right,
            "ne": left != right,
            "gt": left > right,
            "ge": left >= right,
            "lt": left < right,
            "le": left <= right,
        }[op]
    except TypeError:
        return missing


def check_rules(content: dict, data: dict, previous: dict | None) -> list[Finding]:
    """Every rule the data breaks, hard ones first; jumps against ``previous`` (last month's data)."""
    findings: list[Finding] = []
    for rule in content.get("rules", []):
        condition = rule.get("if")
        if condition is not None and not _holds(condition, data, missing=False):
            continue
        if not _holds(rule["then"], data):
            findings.append(Finding(rule["key"], rule["level"], rule["message"], rule["then"]["field"]))
    if previous:
        for f in fields(content):
            if f["kind"] != "number" or not f.get("jump") or f.get("computed"):
                continue
            new, old = data.get(f["key"]), previous.get(f["key"])
            if not isinstance(new, (int, float)) or not isinstance(old, (int, float)) or old == 0:
                continue
            change = abs(new - old)
            if change / abs(old) > float(f["jump"]) and change >= float(f.get("jump_min", 0)):
                percent = round(change * 100 / abs(old))
                direction = "增加" if new > old else "减少"
                findings.append(
                    Finding(
                        f"jump:{f['key']}",
                        "jump",
                        f"“{f['label']}”比上月{direction} {percent}%（上月 {old}，本月 {new}），请说明原因。",
                        f["key"],
                    )
                )
    findings.sort(key=lambda x: x.level != "hard")
    return findings


def changes_since(content: dict, data: dict, previous: dict | None) -> list[dict]:
    """The review queue's "changes since the previous month": each number field's old and new value."""
    rows = []
    for f in fields(content):
        if f["kind"] not in ("number", "table"):
            continue
        key = rows_key(f["key"]) if f["kind"] == "table" else f["key"]
        new = data.get(key)
        old = (previous or {}).get(key)
        rows.append(
            {
                "label": f["label"] + ("（条数）" if f["kind"] == "table" else ""),
                "unit": f.get("unit", ""),
                "old": old,
                "new": new,
                "diff": (new - old) if isinstance(new, (int, float)) and isinstance(old, (int, float)) else None,
            }
        )
    return rows
