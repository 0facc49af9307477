"""信息公开: pages anyone can open without signing in (owned by the public-disclosure work)."""

app_name = "public"
urlpatterns: list = []
