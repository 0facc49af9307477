"""API: indicator figures per district and month with numerator and denominator, scoped like the
pages (indicators.access): the city viewer gets each of its districts, a district's bureau its own;
supervisors and kindergarten users have no indicators (403), a district outside the scope is 404."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import API_PERMISSIONS, DetailSerializer
from core.indicators import all_indicators
from indicators import dashboard as board
from indicators.selectors import cell, targets_for
from indicators.services import today

MAX_MONTHS = 36


class FigureSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="指标代码")
    name = serializers.CharField(help_text="指标名称")
    unit = serializers.CharField(help_text="% 为百分比；1:x 为每名专任教师对应的幼儿数")
    direction = serializers.CharField(help_text="higher：越高越好；lower：越低越好")
    formula = serializers.CharField()
    numerator_label = serializers.CharField()
    denominator_label = serializers.CharField()
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    value = serializers.FloatField(allow_null=True, help_text="无数据时为 null（页面显示“暂无数据”）")
    display = serializers.CharField(help_text="页面上显示的数值，如 91.2%、1:12.3、暂无数据")
    target = serializers.FloatField(allow_null=True)
    target_year = serializers.IntegerField(allow_null=True)
    on_track = serializers.BooleanField(allow_null=True)
    notes = serializers.ListField(child=serializers.CharField())


class DistrictMonthSerializer(serializers.Serializer):
    district_id = serializers.IntegerField()
    district_name = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM")
    indicators = FigureSerializer(many=True)


class IndicatorFiguresView(APIView):
    permission_classes = API_PERMISSIONS

    @extend_schema(
        summary="指标数值（按区县、月份）",
        description="每个区县每月各项指标的分子、分母、数值与目标。按所选月份最后一天的名录状态计算（当月按今天）。",
        parameters=[
            OpenApiParameter("month", str, description="截止月份 YYYY-MM，默认本月"),
            OpenApiParameter("months", int, description="向前取的月数（1–36，默认 1）"),
            OpenApiParameter("district", int, description="只看一个区县（须在权限范围内）"),
        ],
        responses={200: DistrictMonthSerializer(many=True), 403: DetailSerializer, 404: DetailSerializer},
    )
    def get(self, request):
        day = today()
        scope = board.scope_for(request.user, request.query_params.get("district"))
        month = board.parse_month(request.query_params.get("month"), day)
        raw = request.query_params.get("months", "1")
        count = int(raw) if raw.isdigit() and raw.isascii() else 1
        months = board.months_back(month, min(max(count, 1), MAX_MONTHS))
        districts = scope.districts
        _frame, figures, _measures = board.compute(scope, months, day, bys=("district",))
        targets = targets_for([d.pk for d in districts])
        rows = []
        for district in districts:
            for m in months:
                items = []
                for indicator in all_indicators():
                    c = cell(
                        indicator,
                        figures["district"][indicator.code].get((district.pk, m)),
                        targets.get((district.pk, indicator.code), []),
                        m,
                    )
                    items.append(
                        {
                            "code": indicator.code,
                            "name": indicator.name,
                            "unit": indicator.unit,
                            "direction": indicator.direction,
                            "formula": indicator.formula,
                            "numerator_label": indicator.numerator_label,
                            "denominator_label": indicator.denominator_label,
                            "numerator": c.figure.numerator,
                            "denominator": c.figure.denominator,
                            "value": None if c.value is None else round(c.value, 4),
                            "display": c.display,
                            "target": None if c.target is None else float(c.target),
                            "target_year": c.target_year,
                            "on_track": c.on_track,
                            "notes": list(c.figure.notes),
                        }
                    )
                rows.append(
                    {
                        "district_id": district.pk,
                        "district_name": district.area_name,
                        "month": f"{m:%Y-%m}",
                        "indicators": items,
                    }
                )
        return Response(DistrictMonthSerializer(rows, many=True).data)
