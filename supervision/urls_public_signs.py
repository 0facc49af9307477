"""挂牌督导公示: the published supervisors' photos (no sign-in; see supervision/views/signs.py)."""

from django.urls import path

from supervision.views.signs import public_sign_photo

app_name = "public_signs"
urlpatterns = [path("<int:pk>/photo/", public_sign_photo, name="photo")]
