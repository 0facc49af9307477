"""The API's root, ``/api/v1/``, and what the schema needs to know about core.api_auth.

Not in core.api: DRF imports core.api (the pagination class) while defining its generic views,
so core.api must not import drf-spectacular.
"""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRootView(APIView):
    """``/api/v1/``: the parts of the API by name, with their addresses (config/api_urls.py lists them)."""

    resources: tuple[tuple[str, str], ...] = ()  # (name, URL name)

    @extend_schema(
        summary="API 入口",
        description="列出 API 的各个部分及其地址：文档、描述文件、当前用户、令牌和各类资源的列表。",
        responses={
            200: OpenApiResponse(
                response={"type": "object", "additionalProperties": {"type": "string", "format": "uri"}},
                description="名称 → 地址",
            )
        },
    )
    def get(self, request):
        return Response({name: reverse(url_name, request=request) for name, url_name in self.resources})


class PortalSessionScheme(SessionScheme):
    """core.api_auth.SessionAuthentication is DRF's session (cookie) authentication."""

    target_class = "core.api_auth.SessionAuthentication"
