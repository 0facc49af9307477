"""The report type editor's form: a type's settings and its content (sections, fields, rules) as a bureau
admin sees them — labels in Chinese, never the content's JSON or its keys — read back from a POST into
the settings and the content that reports.services checks and saves. Every problem in one pass.

One new field, section and rule per save keeps the page a plain form: existing fields are relabelled,
made required or optional, or removed; a field's key is made here (f1, f2…) and never shown.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation

from reports import content as content_rules
from reports.models import Period, ReportType, SubmitterLevel

KIND_LABELS = {"number": "数字", "choice": "选择", "text": "文字", "file": "附件", "table": "表格"}
NEW_FIELD_KINDS = ("number", "choice", "text", "file")
OP_LABELS = {
    "ge": "不小于",
    "le": "不大于",
    "gt": "大于",
    "lt": "小于",
    "eq": "等于",
    "ne": "不等于",
    "filled": "必须填写",
    "empty": "必须为空",
    "rows_ge": "行数不少于",
}
NEW_RULE_OPS = ("ge", "le", "eq", "ne", "filled")
LEVEL_LABELS = {"hard": "硬性（不通过不能报送）", "soft": "提示（须填写情况说明）"}
BLANK_CONTENT = {
    "sections": [{"key": "s1", "title": "基本情况", "fields": [{"key": "f1", "label": "本月情况说明", "kind": "text"}]}]
}
NAME_MAX = 100
LABEL_MAX = 100
MESSAGE_MAX = 200


# --- reading a definition ----------------------------------------------------------------------------


def _condition_text(condition: dict, labels: dict[str, str]) -> str:
    field = labels.get(condition.get("field"), "某项")
    op = condition.get("op")
    if op in ("filled", "empty"):
        return f"“{field}”{OP_LABELS[op]}"
    if condition.get("fields"):
        right = " + ".join(f"“{labels.get(k, '某项')}”" for k in condition["fields"])
        if condition.get("value"):
            right += f" + {condition['value']}"
    else:
        value = condition.get("value")
        right = str(value)
        for f in labels.get("__choices__", {}).get(condition.get("field"), []):
            if f[0] == value:
                right = f"“{f[1]}”"
    return f"“{field}”{OP_LABELS.get(op, '')} {right}"


def describe(content: dict) -> dict:
    """The definition as a page shows it: sections with their fields (kind, unit, required, how a
    computed one is made) and the rules in words."""
    labels: dict = {f["key"]: f.get("label", "") for f in content_rules.fields(content)}
    labels["__choices__"] = {f["key"]: f.get("choices", []) for f in content_rules.fields(content)}
    sections = []
    for index, section in enumerate(content.get("sections", [])):
        fields = []
        for f in section.get("fields", []):
            fields.append(
                {
                    "key": f["key"],
                    "label": f.get("label", ""),
                    "kind": KIND_LABELS.get(f.get("kind"), "—"),
                    "unit": f.get("unit", ""),
                    "required": bool(f.get("required")),
                    "computed": bool(f.get("computed")),
                    "choices": "、".join(str(c[1]) for c in f.get("choices", [])),
                    "columns": "、".join(c.get("label", "") for c in f.get("columns", [])),
                }
            )
        sections.append({"index": index, "title": section.get("title", ""), "fields": fields})
    rules = []
    for rule in content.get("rules", []):
        when = _condition_text(rule["if"], labels) if rule.get("if") else ""
        rules.append(
            {
                "key": rule["key"],
                "level": rule.get("level"),
                "level_label": LEVEL_LABELS.get(rule.get("level"), ""),
                "message": rule.get("message", ""),
                "text": (f"当{when}时，" if when else "") + _condition_text(rule.get("then", {}), labels),
            }
        )
    return {"sections": sections, "rules": rules}


# --- settings ----------------------------------------------------------------------------------------


def _int(post, name: str, label: str, low: int, high: int, errors: dict) -> int | None:
    raw = (post.get(name) or "").strip()
    try:
        value = int(raw)
    except ValueError:
        errors[name] = [f"请填写{label}（{low}–{high} 的整数）。"]
        return None
    if not low <= value <= high:
        errors[name] = [f"{label}应在 {low}–{high} 之间。"]
        return None
    return value


def parse_settings(post, errors: dict) -> dict:
    """Name, due day, covered month, who submits (and so who reviews), grace days, active."""
    settings: dict = {}
    name = (post.get("name") or "").strip()
    if not name:
        errors["name"] = ["请填写报表名称。"]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"报表名称不能超过 {NAME_MAX} 个字。"]
    else:
        settings["name"] = name
    due_day = _int(post, "due_day", "截止日", 1, 28, errors)
    if due_day is not None:
        settings["due_day"] = due_day
    grace = _int(post, "grace_days", "逾期补报期限（天）", 0, 60, errors)
    if grace is not None:
        settings["grace_days"] = grace
    period = post.get("period")
    if period in Period.values:
        settings["period"] = period
    else:
        errors["period"] = ["请选择报告月份（上月或本月）。"]
    level = post.get("submitter_level")
    if level in EDITABLE_LEVELS:
        settings["submitter_level"] = level
    else:
        errors["submitter_level"] = ["请选择报送方。"]
    settings["is_active"] = bool(post.get("is_active"))
    return settings


# The levels a district's own type may have: its kindergartens or the district itself file it. The city's
# own reports (SubmitterLevel.CITY) ship with the code (reports.services.CITY_LEVEL_REFUSED).
EDITABLE_LEVELS = (SubmitterLevel.KINDERGARTEN, SubmitterLevel.DISTRICT)


def settings_initial(report_type: ReportType | None) -> dict:
    if report_type is None:
        return {"name": "", "due_day": 10, "grace_days": 5, "period": Period.PREVIOUS, "is_active": True,
                "submitter_level": SubmitterLevel.KINDERGARTEN}  # fmt: skip
    return {
        "name": report_type.name,
        "due_day": report_type.due_day,
        "grace_days": report_type.grace_days,
        "period": report_type.period,
        "submitter_level": report_type.submitter_level,
        "is_active": report_type.is_active,
    }


# --- content -----------------------------------------------------------------------------------------


def _next_key(prefix: str, taken: set[str]) -> str:
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    taken.add(f"{prefix}{n}")
    return f"{prefix}{n}"


def _decimal(raw: str) -> int | float | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise ValueError from exc
    if not value.is_finite():
        raise ValueError
    return int(value) if value == value.to_integral_value() else float(value)


def _choices(raw: str) -> list[list[str]]:
    parts = [p.strip() for line in (raw or "").splitlines() for p in line.replace("，", "、").split("、")]
    return [[f"c{i + 1}", p[:50]] for i, p in enumerate(dict.fromkeys(p for p in parts if p))]


def parse_content(post, current: dict, errors: dict) -> dict:
    """The content after the editor's changes: relabelled, required/optional, removed fields and rules;
    section titles; at most one new field (in a section or a new one) and one new rule."""
    content = copy.deepcopy(current)
    removed: set[str] = set()
    for s_index, section in enumerate(content.get("sections", [])):
        title = (post.get(f"s{s_index}-title") or "").strip()
        if not title:
            errors[f"s{s_index}-title"] = ["栏目标题不能为空。"]
        else:
            section["title"] = title[:LABEL_MAX]
        kept = []
        for f in section.get("fields", []):
            key = f["key"]
            if post.get(f"f-{key}-remove"):
                removed.add(key)
                continue
            if not f.get("computed"):
                label = (post.get(f"f-{key}-label") or "").strip()
                if not label:
                    errors[f"f-{key}-label"] = ["填报项名称不能为空。"]
                else:
                    f["label"] = label[:LABEL_MAX]
                f["required"] = bool(post.get(f"f-{key}-required"))
                if f.get("kind") == "number":
                    f["unit"] = (post.get(f"f-{key}-unit") or "").strip()[:10]
            kept.append(f)
        section["fields"] = kept
    rules = []
    for rule in content.get("rules", []):
        if post.get(f"r-{rule['key']}-remove"):
            continue
        used = {rule.get("then", {}).get("field"), (rule.get("if") or {}).get("field")}
        used |= set(rule.get("then", {}).get("fields", [])) | set((rule.get("if") or {}).get("fields", []))
        if used & removed:
            errors[f"r-{rule['key']}-remove"] = [
                f"校验规则“{rule.get('message', '')}”用到了要删除的填报项，请一并删除该规则。"
            ]
        rules.append(rule)
    content["rules"] = rules
    _add_field(post, content, errors)
    _add_rule(post, content, errors)
    content["sections"] = [s for s in content["sections"] if s.get("fields")]
    if not content["sections"]:
        errors["content"] = ["报表至少要保留一个填报项。"]
    return content


def _add_field(post, content: dict, errors: dict) -> None:
    label = (post.get("new-label") or "").strip()
    if not label:
        return
    kind = post.get("new-kind")
    problems = []
    if kind not in NEW_FIELD_KINDS:
        problems.append("请选择新填报项的类型。")
    field: dict = {"label": label[:LABEL_MAX], "kind": kind, "required": bool(post.get("new-required"))}
    if kind == "number":
        field["unit"] = (post.get("new-unit") or "").strip()[:10]
        for bound in ("min", "max"):
            try:
                value = _decimal(post.get(f"new-{bound}", ""))
            except ValueError:
                problems.append(f"新填报项的{'最小值' if bound == 'min' else '最大值'}应为数字。")
                continue
            if value is not None:
                field[bound] = value
        if "min" in field and "max" in field and field["min"] > field["max"]:
            problems.append("新填报项的最小值不能大于最大值。")
    if kind == "choice":
        field["choices"] = _choices(post.get("new-choices", ""))
        if len(field["choices"]) < 2:
            problems.append("选择题至少要有两个选项（用顿号“、”或换行分隔）。")
    target = post.get("new-section", "new")
    sections = content.setdefault("sections", [])
    if target == "new":
        title = (post.get("new-section-title") or "").strip()
        if not title:
            problems.append("请填写新栏目的标题，或选择已有栏目。")
    elif not (target.isdigit() and int(target) < len(sections)):
        problems.append("请选择新填报项所在的栏目。")
    if problems:
        errors["new"] = problems
        return
    taken = {f["key"] for f in content_rules.fields(content)}
    field["key"] = _next_key("f", taken)
    if target == "new":
        section_keys = {s.get("key", "") for s in sections}
        sections.append({"key": _next_key("s", section_keys), "title": title[:LABEL_MAX], "fields": [field]})
    else:
        sections[int(target)]["fields"].append(field)


def _add_rule(post, content: dict, errors: dict) -> None:
    message = (post.get("rule-message") or "").strip()
    field = post.get("rule-field") or ""
    if not message and not field:
        return
    fields = content_rules.field_map(content)
    problems = []
    op = post.get("rule-op")
    level = post.get("rule-level")
    if field not in fields or fields[field].get("computed"):
        problems.append("请选择新规则检查的填报项。")
    if op not in NEW_RULE_OPS:
        problems.append("请选择新规则的比较方式。")
    if level not in LEVEL_LABELS:
        problems.append("请选择新规则是硬性规则还是提示。")
    if not message:
        problems.append("请填写新规则不通过时的提示语。")
    then: dict = {"field": field, "op": op}
    if op in ("ge", "le", "eq", "ne") and field in fields:
        other = post.get("rule-other") or ""
        if other:
            if other not in fields or fields[other].get("kind") != "number" or other == field:
                problems.append("新规则比较的另一个填报项须是数字项。")
            then["fields"] = [other]
        elif fields[field].get("kind") == "choice":
            by_label = {c[1]: c[0] for c in fields[field].get("choices", [])}
            wanted = (post.get("rule-value") or "").strip()
            if wanted not in by_label:
                problems.append(f"请填写“{fields[field]['label']}”的一个选项：{'、'.join(by_label)}。")
            then["value"] = by_label.get(wanted)
        else:
            try:
                value = _decimal(post.get("rule-value", ""))
            except ValueError:
                value = None
            if value is None or fields[field].get("kind") != "number":
                problems.append("新规则须与一个数字或另一个数字项比较（文字项只能选“必须填写”）。")
            then["value"] = value
    if problems:
        errors["rule"] = problems
        return
    taken = {r["key"] for r in content.get("rules", [])}
    content.setdefault("rules", []).append(
        {"key": _next_key("r", taken), "level": level, "message": message[:MESSAGE_MAX], "then": then}
    )


# --- what a save will change ---------------------------------------------------------------------------


def summarize(report_type: ReportType | None, settings: dict, old: dict | None, new: dict) -> list[str]:
    """The changes in words, for the confirmation step."""
    lines = []
    if report_type is not None:
        labels = {
            "name": "名称",
            "due_day": "截止日",
            "grace_days": "逾期补报期限（天）",
            "period": "报告月份",
            "submitter_level": "报送方",
            "is_active": "启用",
        }
        for key, label in labels.items():
            before, after = getattr(report_type, key), settings.get(key, getattr(report_type, key))
            if before != after:
                lines.append(f"{label}：{_setting_text(key, before)} → {_setting_text(key, after)}")
    old_fields = {f["key"]: f for f in content_rules.fields(old or {})}
    new_fields = {f["key"]: f for f in content_rules.fields(new)}
    for key, f in new_fields.items():
        if key not in old_fields:
            lines.append(f"新增填报项“{f['label']}”（{KIND_LABELS.get(f['kind'], '')}）")
        elif old_fields[key].get("label") != f.get("label"):
            lines.append(f"填报项“{old_fields[key].get('label')}”改名为“{f.get('label')}”")
        elif bool(old_fields[key].get("required")) != bool(f.get("required")):
            lines.append(f"填报项“{f['label']}”改为{'必填' if f.get('required') else '选填'}")
        elif old_fields[key].get("unit", "") != f.get("unit", ""):
            lines.append(f"填报项“{f['label']}”的单位改为“{f.get('unit') or '无'}”")
    lines += [f"删除填报项“{f['label']}”" for key, f in old_fields.items() if key not in new_fields]
    old_titles = [s.get("title") for s in (old or {}).get("sections", [])]
    new_titles = [s.get("title") for s in new.get("sections", [])]
    if old and old_titles != new_titles:
        lines.append(f"栏目：{'、'.join(old_titles)} → {'、'.join(new_titles)}")
    old_rules = {r["key"]: r for r in (old or {}).get("rules", [])}
    new_rules = {r["key"]: r for r in new.get("rules", [])}
    lines += [f"新增校验规则“{r['message']}”" for key, r in new_rules.items() if key not in old_rules]
    lines += [f"删除校验规则“{r['message']}”" for key, r in old_rules.items() if key not in new_rules]
    return lines


def _setting_text(key: str, value) -> str:
    if key == "period":
        return Period(value).label
    if key == "submitter_level":
        return SubmitterLevel(value).label
    if key == "is_active":
        return "是" if value else "否"
    return str(value)


def strip_computed(content: dict) -> dict:
    """A copy without the computed fields (and the rules on them): for a kindergarten type made from a
    district one."""
    content = copy.deepcopy(content)
    gone = set()
    for section in content.get("sections", []):
        gone |= {f["key"] for f in section.get("fields", []) if f.get("computed")}
        section["fields"] = [f for f in section.get("fields", []) if not f.get("computed")]
    content["sections"] = [s for s in content.get("sections", []) if s["fields"]]
    content["rules"] = [
        r
        for r in content.get("rules", [])
        if not ({r["then"].get("field"), (r.get("if") or {}).get("field")} | set(r["then"].get("fields", []))) & gone
    ]
    return content if content["sections"] else copy.deepcopy(BLANK_CONTENT)
