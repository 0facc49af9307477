"""reports.content: definitions are checked, typed input is cleaned, rules and jumps are found."""

import pytest
from django.core.exceptions import ValidationError

from reports.content import changes_since, check_rules, clean_data, validate_content
from reports.definitions import DISTRICT_MONTHLY, KG_MONTHLY

CONTENT = {
    "sections": [
        {
            "title": "一",
            "fields": [
                {"key": "n", "label": "人数", "kind": "number", "required": True, "min": 0, "jump": 0.5, "jump_min": 5},
                {"key": "rate", "label": "比例", "kind": "number", "decimals": 1},
                {"key": "ok", "label": "是否", "kind": "choice", "choices": [["yes", "是"], ["no", "否"]]},
                {"key": "t", "label": "说明", "kind": "text", "max_length": 5},
                {"key": "rows", "label": "明细", "kind": "table",
                 "columns": [{"key": "d", "label": "日期", "kind": "date"}, {"key": "c", "label": "人", "kind": "number"}]},
            ],
        }
    ],
    "rules": [
        {"key": "hard1", "level": "hard", "message": "是否为否时人数须为 0",
         "if": {"field": "ok", "op": "eq", "value": "no"}, "then": {"field": "n", "op": "le", "value": 0}},
        {"key": "soft1", "level": "soft", "message": "至少一行", "then": {"field": "rows", "op": "rows_ge", "value": 1}},
    ],
}  # fmt: skip


def test_shipped_definitions_are_valid():
    validate_content(KG_MONTHLY)
    validate_content(DISTRICT_MONTHLY)
    validate_content(CONTENT)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ({"sections": []}, "至少要有一个栏目"),
        ({"sections": [{"title": "一", "fields": [{"key": "a b", "label": "甲", "kind": "number"}]}]}, "编码不规范"),
        ({"sections": [{"title": "一", "fields": [{"key": "a", "label": "甲", "kind": "choice"}]}]}, "没有选项"),
        (
            {"sections": [{"title": "一", "fields": [{"key": "a", "label": "甲", "kind": "number"}]}],
             "rules": [{"key": "r", "level": "hard", "message": "m", "then": {"field": "zz", "op": "gt", "value": 1}}]},
            "不存在的字段",
        ),
    ],
)  # fmt: skip
def test_malformed_definitions_are_refused_in_chinese(broken, message):
    with pytest.raises(ValidationError) as failure:
        validate_content(broken)
    assert message in str(failure.value)


def test_clean_data_types_and_errors():
    raw = {"n": " 1,200 ", "rate": "12.34", "ok": "yes", "t": "好", "rows": [{"d": "2025-02-03", "c": "3"}, {}]}
    cleaned, errors = clean_data(CONTENT, raw, check_required=True)
    assert errors == {}
    assert cleaned == {
        "n": 1200,
        "rate": 12.3,
        "ok": "yes",
        "t": "好",
        "rows": [{"d": "2025-02-03", "c": 3}],
        "rows__rows": 1,
    }
    _, errors = clean_data(
        CONTENT, {"n": "1.5", "ok": "maybe", "t": "太长的说明文字", "rows": [{"d": "3月"}]}, check_required=True
    )
    assert errors == {
        "n": "请填写整数。",
        "ok": "请从选项中选择。",
        "t": "不能超过 5 个字。",
        "rows": "日期格式应为 2025-03-08。",
    }
    _, errors = clean_data(CONTENT, {"n": "-1"}, check_required=True)
    assert errors == {"n": "不能小于 0。"}
    assert clean_data(CONTENT, {}, check_required=True)[1] == {"n": "此项为必填项。"}
    assert clean_data(CONTENT, {}, check_required=False)[1] == {}
    for junk in ("nan", "inf", "1e400x"):
        assert clean_data(CONTENT, {"n": junk}, check_required=False)[1] == {"n": "请填写数字。"}


def test_rules_hard_soft_and_jumps():
    data = {"n": 3, "ok": "no", "rows": []}
    findings = check_rules(CONTENT, data, previous=None)
    assert [(f.key, f.level) for f in findings] == [("hard1", "hard"), ("soft1", "soft")]
    assert check_rules(CONTENT, {"n": 0, "ok": "no", "rows": [{"d": None}]}, None) == []
    # 10 → 16 is +60% and +6: a jump; 10 → 14 (+40%) and 2 → 4 (+100% but only +2) are not.
    jump = check_rules(CONTENT, {"n": 16, "rows": [{}]}, previous={"n": 10})
    assert [(f.key, f.message) for f in jump] == [("jump:n", "“人数”比上月增加 60%（上月 10，本月 16），请说明原因。")]
    assert check_rules(CONTENT, {"n": 14, "rows": [{}]}, previous={"n": 10}) == []
    assert check_rules(CONTENT, {"n": 4, "rows": [{}]}, previous={"n": 2}) == []
    assert check_rules(CONTENT, {"n": 4, "rows": [{}]}, previous={"n": 0}) == []


def test_changes_since_the_previous_month():
    rows = changes_since(CONTENT, {"n": 12, "rows__rows": 2}, {"n": 10, "rows__rows": 3})
    assert [(r["label"], r["old"], r["new"], r["diff"]) for r in rows] == [
        ("人数", 10, 12, 2),
        ("比例", None, None, None),
        ("明细（条数）", 3, 2, -1),
    ]
