"""REST API under /api/v1/ (owned by the API work; see accounts/api.py, kindergartens/api.py, supervision/api.py)."""

app_name = "api"
urlpatterns: list = []
