"""The checklist templates shipped with the product (DOMAIN.md §5 and §6).

Each is (family, name, purpose, description, sections); a section is (name, items); an item is
(text, weight, evidence_required, veto). ``ensure_default_templates`` writes whichever family is
missing and never touches one that exists, so it is safe to run again (migration 0003, seed_demo).
"""

from __future__ import annotations

DEFAULT_TEMPLATES: list[tuple[str, str, str, str, list[tuple[str, list[tuple[str, int, bool, bool]]]]]] = [
    (
        "conduct-2017",
        "幼儿园办园行为督导评估（2017）",
        "conduct",
        "按《幼儿园办园行为督导评估办法》（2017）的五个方面：办园条件、安全卫生、保育教育、教职工队伍、内部管理。",
        [
            (
                "办园条件",
                [
                    ("持有效办学许可证，按审批核定的规模和范围办园", 4, True, False),
                    ("园舍、场地、活动室、睡眠室、卫生间等符合办园基本标准", 3, False, False),
                    ("玩教具、图书配备达到基本标准，定期更新", 2, False, False),
                    ("班额符合规定（小班 25 人、中班 30 人、大班 35 人、混合班 30 人以内）", 3, False, False),
                ],
            ),
            (
                "安全卫生",
                [
                    ("层层签订安全责任书，配齐安全员并开展培训", 3, True, False),
                    ("公共活动区域视频监控全覆盖，视频保存 30 天，专人负责", 4, True, False),
                    ("专职保安、一键报警与公安联网、封闭管理、护学岗落实到位", 4, False, False),
                    ("卫生保健制度落实，配备卫生保健人员，食品安全管理规范", 3, False, False),
                    ("定期开展安全隐患排查和应急疏散演练，有记录", 3, True, False),
                ],
            ),
            (
                "保育教育",
                [
                    ("无商业广告、商业活动进入幼儿园", 3, False, False),
                    ("玩教具、音视频、图书、教学应用软件（App）等资料经审核把关", 3, False, False),
                    ("以游戏为基本活动，无“小学化”倾向", 4, False, False),
                    ("一日生活安排合理，保教并重", 2, False, False),
                ],
            ),
            (
                "教职工队伍",
                [
                    ("教职工配备符合标准，每班配备两名教师和一名保育员", 3, False, False),
                    ("园长、教师、保育员、卫生保健人员、保安员持证上岗", 3, True, False),
                    ("教职工入职查询和年度查询无违法犯罪记录", 3, True, False),
                    ("无虐待、体罚、变相体罚等严重违反师德师风的行为", 5, False, True),
                ],
            ),
            (
                "内部管理",
                [
                    ("家长委员会建立并有效发挥作用", 2, False, False),
                    ("收费项目和标准公示，按规定收费", 3, True, False),
                    ("财务、档案、人事等管理制度健全并执行", 2, False, False),
                    ("建立法治副园长制度", 1, False, False),
                ],
            ),
        ],
    ),
    (
        "quality-2022",
        "幼儿园保育教育质量评估指南（2022）",
        "quality",
        "按《幼儿园保育教育质量评估指南》（2022）的 5 个方面、15 项关键指标。",
        [
            ("办园方向", [("党建工作", 2, False, False), ("品德启蒙", 2, False, False), ("科学理念", 2, False, False)]),
            (
                "保育与安全",
                [("卫生保健", 3, False, False), ("生活照料", 2, False, False), ("安全防护", 3, True, False)],
            ),
            (
                "教育过程",
                [("活动组织", 3, False, False), ("师幼互动", 3, False, False), ("家园共育", 2, False, False)],
            ),
            ("环境创设", [("空间设施", 2, False, False), ("玩具材料", 2, False, False)]),
            (
                "教师队伍",
                [
                    ("师德师风", 3, False, True),
                    ("人员配备", 2, False, False),
                    ("专业发展", 2, False, False),
                    ("激励机制", 1, False, False),
                ],
            ),
        ],
    ),
    (
        "safety",
        "幼儿园安全专项检查",
        "safety",
        "安全责任、技防设施、护校安园“4 个 100%”、六类隐患排查、校车与卫生、演练。",
        [
            (
                "安全责任",
                [
                    ("层层签订安全责任书", 2, True, False),
                    ("配备安全员并经培训，安全员持证比例不低于 50%", 2, True, False),
                    ("聘任法治副园长", 1, False, False),
                ],
            ),
            (
                "视频监控",
                [
                    ("公共活动区域视频监控全覆盖", 3, True, False),
                    ("监控视频保存 30 天", 2, False, False),
                    ("与属地政府二级图像管理平台联网", 2, False, False),
                    ("专人负责监看维护，每月检查并上报", 2, True, False),
                ],
            ),
            (
                "护校安园",
                [
                    ("配备专职保安员", 3, False, False),
                    ("一键报警和视频监控与公安机关联网", 3, False, False),
                    ("校园封闭化管理", 3, False, False),
                    ("上下学时段设置护学岗", 2, False, False),
                ],
            ),
            (
                "隐患排查",
                [
                    ("校舍安全：无危房，设施设备完好", 3, False, False),
                    ("消防安全：消防通道畅通，消防设施完好有效", 4, True, True),
                    ("食品卫生：食堂持证，食品留样，从业人员持健康证", 3, True, False),
                    ("治安：门卫登记，外来人员管理", 2, False, False),
                    ("周边环境：无影响幼儿安全的经营场所和隐患", 2, False, False),
                    ("师资师德：无体罚、变相体罚幼儿等行为", 3, False, False),
                ],
            ),
            (
                "校车与卫生",
                [
                    ("校车（接送幼儿车辆）按规定检验，驾驶人资质合格", 3, True, False),
                    ("设卫生室或保健室，与医疗机构建立医教联合", 2, False, False),
                ],
            ),
            ("应急演练", [("定期组织应急疏散演练，记录日期、类型和参加人员", 2, True, False)]),
        ],
    ),
]


def ensure_default_templates(template_model, section_model, item_model) -> list:
    """Create each shipped template whose family does not exist yet; return the ones created.

    Takes the model classes so a data migration can pass its historical models.
    """
    created = []
    for family, name, purpose, description, sections in DEFAULT_TEMPLATES:
        if template_model.objects.filter(family=family).exists():
            continue
        template = template_model.objects.create(
            family=family, version=1, name=name, purpose=purpose, description=description, is_current=True
        )
        for s_position, (section_name, items) in enumerate(sections, start=1):
            section = section_model.objects.create(template=template, position=s_position, name=section_name)
            item_model.objects.bulk_create(
                item_model(
                    template=template,
                    section=section,
                    position=i_position,
                    code=f"{s_position}.{i_position}",
                    text=text,
                    weight=weight,
                    evidence_required=evidence,
                    veto=veto,
                )
                for i_position, (text, weight, evidence, veto) in enumerate(items, start=1)
            )
        created.append(template)
    return created
