"""双随机、一公开: the draws on the public pages (no sign-in; see supervision/views/draws.py)."""

from supervision.views.draws import public_urlpatterns

app_name = "public_draws"
urlpatterns = [*public_urlpatterns]
