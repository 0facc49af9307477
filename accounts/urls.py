from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password-change-done"),
    path("me/", views.profile, name="profile"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create_view, name="user-create"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user-edit"),
    path("users/<int:pk>/reset-password/", views.user_reset_password_view, name="user-reset-password"),
    path("users/<int:pk>/issued-password/", views.user_password_issued, name="user-password-issued"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/activate/", views.user_activate, name="user-activate"),
    path("users/<int:pk>/history/", views.user_history, name="user-history"),
]
