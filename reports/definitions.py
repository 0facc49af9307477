"""The two report types the product ships (issue 8; DOMAIN.md §8, seeds 000 and 004).

- 幼儿园月报 (``kg-monthly``): kindergartens to their district by the 10th, covering the previous
  month: enrolment and classes (filled in advance from the registry), staff joining and leaving,
  the video surveillance check [000], drills, and an explicit "no incident this month" (零报告).
- 区县学前教育督导月报 (``district-monthly``): districts to the city by the 10th, built from the
  kindergartens' submissions of the month and the sections other apps register
  (reports.registry.register_district_section).

``report_types_ensure_defaults()`` creates them once (seed_demo and the monthly task call it); a type
that exists is left as its bureau may have changed it.
"""

from __future__ import annotations

YES_NO = [["yes", "是"], ["no", "否"]]

KG_MONTHLY = {
    "sections": [
        {
            "key": "enrolment",
            "title": "在园幼儿与班级",
            "note": "已按名录中的班级数据预填，请核对后修改。",
            "fields": [
                {"key": "children", "label": "月末在园幼儿数", "kind": "number", "unit": "人", "required": True,
                 "min": 0, "prefill": "enrolled", "jump": 0.2, "jump_min": 10},
                {"key": "classes", "label": "月末班级数", "kind": "number", "unit": "个", "required": True,
                 "min": 0, "prefill": "classes", "jump": 0.3, "jump_min": 2},
            ],
        },
        {
            "key": "staff",
            "title": "教职工变动",
            "fields": [
                {"key": "staff_total", "label": "月末教职工总数", "kind": "number", "unit": "人", "required": True,
                 "min": 0, "jump": 0.2, "jump_min": 3},
                {"key": "staff_joined", "label": "本月新入职", "kind": "number", "unit": "人", "required": True,
                 "min": 0},
                {"key": "staff_left", "label": "本月离职", "kind": "number", "unit": "人", "required": True,
                 "min": 0},
            ],
        },
        {
            "key": "video",
            "title": "视频监控检查",
            "fields": [
                {"key": "video_checked", "label": "本月已检查视频监控系统", "kind": "choice", "choices": YES_NO,
                 "required": True},
                {"key": "video_full_coverage", "label": "公共活动区域全覆盖", "kind": "choice", "choices": YES_NO,
                 "required": True},
                {"key": "video_retention_days", "label": "录像保存天数", "kind": "number", "unit": "天",
                 "required": True, "min": 0, "max": 3650},
                {"key": "video_networked", "label": "已接入属地二级图像管理平台", "kind": "choice",
                 "choices": YES_NO, "required": True},
                {"key": "video_notes", "label": "检查发现的问题", "kind": "text"},
            ],
        },
        {
            "key": "drills",
            "title": "安全演练",
            "fields": [
                {"key": "drills", "label": "本月演练", "kind": "table", "columns": [
                    {"key": "date", "label": "日期", "kind": "date"},
                    {"key": "kind", "label": "演练类型", "kind": "choice", "choices": [
                        ["fire", "消防疏散"], ["earthquake", "防震"], ["intruder", "防暴反恐"],
                        ["other", "其他"]]},
                    {"key": "participants", "label": "参加人数", "kind": "number", "min": 0},
                ]},
            ],
        },
        {
            "key": "incidents",
            "title": "安全事故",
            "fields": [
                {"key": "no_incident", "label": "本月无安全事故（零报告）", "kind": "choice",
                 "choices": [["confirmed", "确认本月无安全事故"], ["had_incident", "本月发生安全事故"]],
                 "required": True},
                {"key": "incident_count", "label": "本月安全事故数", "kind": "number", "unit": "起", "min": 0},
                {"key": "incident_notes", "label": "事故概况与处置", "kind": "text"},
            ],
        },
        {
            "key": "attachments",
            "title": "附件",
            "fields": [{"key": "attachment", "label": "附件（可选）", "kind": "file"}],
        },
    ],
    "rules": [
        {"key": "staff_joined_le_total", "level": "hard",
         "message": "本月新入职人数不能多于月末教职工总数，请核对教职工人数。",
         "then": {"field": "staff_joined", "op": "le", "fields": ["staff_total"]}},
        {"key": "incident_count_when_incident", "level": "hard",
         "message": "选择了“本月发生安全事故”，请填写事故数（至少 1 起）。",
         "if": {"field": "no_incident", "op": "eq", "value": "had_incident"},
         "then": {"field": "incident_count", "op": "ge", "value": 1}},
        {"key": "incident_notes_when_incident", "level": "hard",
         "message": "选择了“本月发生安全事故”，请填写事故概况与处置。",
         "if": {"field": "no_incident", "op": "eq", "value": "had_incident"},
         "then": {"field": "incident_notes", "op": "filled"}},
        {"key": "no_incident_means_zero", "level": "hard",
         "message": "已确认本月无安全事故，事故数应为 0 或不填。",
         "if": {"field": "no_incident", "op": "eq", "value": "confirmed"},
         "then": {"field": "incident_count", "op": "le", "value": 0}},
        {"key": "classes_when_children", "level": "hard",
         "message": "有在园幼儿时班级数不能为 0。",
         "if": {"field": "children", "op": "gt", "value": 0},
         "then": {"field": "classes", "op": "ge", "value": 1}},
        {"key": "video_retention_30", "level": "soft",
         "message": "录像保存不足 30 天（东城区方案要求保存 30 天），请说明原因和整改安排。",
         "then": {"field": "video_retention_days", "op": "ge", "value": 30}},
        {"key": "video_coverage", "level": "soft",
         "message": "公共活动区域未全覆盖，请说明情况和整改安排。",
         "then": {"field": "video_full_coverage", "op": "eq", "value": "yes"}},
        {"key": "video_check", "level": "soft",
         "message": "本月未检查视频监控系统，请说明原因。",
         "then": {"field": "video_checked", "op": "eq", "value": "yes"}},
        {"key": "drill_monthly", "level": "soft",
         "message": "本月没有登记安全演练，请说明原因。",
         "then": {"field": "drills", "op": "rows_ge", "value": 1}},
    ],
}  # fmt: skip

# District report: figures computed from the kindergartens' submissions ("computed" with "source"),
# then the contributed sections (reports.registry), then the district's own remarks.
DISTRICT_MONTHLY = {
    "sections": [
        {
            "key": "completeness",
            "title": "幼儿园月报报送情况",
            "fields": [
                {"key": "expected", "label": "应报园数", "kind": "number", "unit": "所", "computed": True},
                {"key": "submitted", "label": "已报园数", "kind": "number", "unit": "所", "computed": True},
                {"key": "on_time", "label": "按时报送园数", "kind": "number", "unit": "所", "computed": True},
                {"key": "approved", "label": "审核通过园数", "kind": "number", "unit": "所", "computed": True},
                {"key": "reporting_rate", "label": "报送率", "kind": "number", "unit": "%", "decimals": 1,
                 "computed": True},
                {"key": "on_time_rate", "label": "按时报送率", "kind": "number", "unit": "%", "decimals": 1,
                 "computed": True},
            ],
        },
        {
            "key": "enrolment",
            "title": "在园幼儿与班级（已报园合计）",
            "fields": [
                {"key": "children", "label": "在园幼儿数", "kind": "number", "unit": "人", "computed": True,
                 "source": {"agg": "sum", "field": "children"}},
                {"key": "classes", "label": "班级数", "kind": "number", "unit": "个", "computed": True,
                 "source": {"agg": "sum", "field": "classes"}},
            ],
        },
        {
            "key": "staff",
            "title": "教职工变动（已报园合计）",
            "fields": [
                {"key": "staff_total", "label": "教职工总数", "kind": "number", "unit": "人", "computed": True,
                 "source": {"agg": "sum", "field": "staff_total"}},
                {"key": "staff_joined", "label": "新入职", "kind": "number", "unit": "人", "computed": True,
                 "source": {"agg": "sum", "field": "staff_joined"}},
                {"key": "staff_left", "label": "离职", "kind": "number", "unit": "人", "computed": True,
                 "source": {"agg": "sum", "field": "staff_left"}},
            ],
        },
        {
            "key": "safety",
            "title": "视频监控、演练与安全事故",
            "fields": [
                {"key": "video_not_checked", "label": "未检查视频监控的园数", "kind": "number", "unit": "所",
                 "computed": True, "source": {"agg": "count_eq", "field": "video_checked", "value": "no"}},
                {"key": "video_short_retention", "label": "录像保存不足 30 天的园数", "kind": "number",
                 "unit": "所", "computed": True,
                 "source": {"agg": "count_lt", "field": "video_retention_days", "value": 30}},
                {"key": "video_not_networked", "label": "未接入二级图像平台的园数", "kind": "number", "unit": "所",
                 "computed": True, "source": {"agg": "count_eq", "field": "video_networked", "value": "no"}},
                {"key": "drills", "label": "安全演练次数", "kind": "number", "unit": "次", "computed": True,
                 "source": {"agg": "sum", "field": "drills__rows"}},
                {"key": "incidents", "label": "安全事故数", "kind": "number", "unit": "起", "computed": True,
                 "source": {"agg": "sum", "field": "incident_count"}},
                {"key": "kgs_with_incident", "label": "发生安全事故的园数", "kind": "number", "unit": "所",
                 "computed": True, "source": {"agg": "count_eq", "field": "no_incident", "value": "had_incident"}},
            ],
        },
        {
            "key": "remarks",
            "title": "区县说明",
            "fields": [{"key": "remarks", "label": "本月工作情况与问题说明", "kind": "text"}],
        },
    ],
    "rules": [],
}  # fmt: skip

DEFAULT_TYPES = (
    {
        "code": "kg-monthly",
        "name": "幼儿园月报",
        "due_day": 10,
        "period": "previous",
        "submitter_level": "kindergarten",
        "grace_days": 5,
        "sort_order": 10,
        "content": KG_MONTHLY,
    },
    {
        "code": "district-monthly",
        "name": "区县学前教育督导月报",
        "due_day": 10,
        "period": "previous",
        "submitter_level": "district",
        "grace_days": 5,
        "sort_order": 20,
        "content": DISTRICT_MONTHLY,
        "source": "kg-monthly",
    },
)
