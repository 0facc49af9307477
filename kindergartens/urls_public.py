"""信息公开: pages anyone can open without signing in (see kindergartens/views/public.py)."""

from kindergartens.views import public

app_name = "public"
urlpatterns = [*public.urlpatterns]
