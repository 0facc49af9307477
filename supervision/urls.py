from django.urls import path

from supervision.views import assignments, evidence, rectification

app_name = "supervision"
urlpatterns = [
    path("assignments/", assignments.assignment_list, name="assignment-list"),
    path("assignments/<int:pk>/end/", assignments.assignment_end, name="assignment-end"),
    path("orders/", rectification.order_list, name="order-list"),
    path("orders/<int:pk>/", rectification.order_detail, name="order-detail"),
    path("orders/<int:pk>/respond/", rectification.order_respond_view, name="order-respond"),
    path("orders/<int:pk>/return/", rectification.order_return_view, name="order-return"),
    path("orders/<int:pk>/accept/", rectification.order_accept_view, name="order-accept"),
    path("kindergartens/<int:pk>/orders/new/", rectification.order_create, name="order-create"),
    path("evidence/<int:pk>/", evidence.evidence_download, name="evidence-download"),
]
