"""Pages of the kindergartens app, one module per area; each module defines its ``urlpatterns``."""
