from django.urls import path

from supervision.views import assignments, checklists, coverage, evidence, inspections, rectification

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
    path("templates/", checklists.template_list, name="template-list"),
    path("templates/<int:pk>/", checklists.template_detail, name="template-detail"),
    path("templates/<int:pk>/copy/", checklists.template_copy_view, name="template-copy"),
    path("templates/<int:pk>/edit/", checklists.template_edit, name="template-edit"),
    path("templates/<int:pk>/sections/new/", checklists.template_section_create, name="template-section-create"),
    path("templates/<int:pk>/items/new/", checklists.template_item_create, name="template-item-create"),
    path("template-items/<int:pk>/edit/", checklists.template_item_edit, name="template-item-edit"),
    path("template-items/<int:pk>/delete/", checklists.template_item_delete, name="template-item-delete"),
    path("inspections/", inspections.inspection_list, name="inspection-list"),
    path("inspections/<int:pk>/", inspections.inspection_detail, name="inspection-detail"),
    path("inspections/<int:pk>/start/", inspections.inspection_start_view, name="inspection-start"),
    path("inspections/<int:pk>/submit/", inspections.inspection_submit_view, name="inspection-submit"),
    path("inspections/<int:pk>/publish/", inspections.inspection_publish_view, name="inspection-publish"),
    path("inspection-items/<int:pk>/", inspections.inspection_item_view, name="inspection-item"),
    path("inspection-items/<int:pk>/order/", inspections.inspection_item_order_view, name="inspection-item-order"),
    path("kindergartens/<int:pk>/inspections/new/", inspections.inspection_create, name="inspection-create"),
    path("coverage/", coverage.coverage, name="coverage"),
    path("supervisor-load/", coverage.supervisor_load, name="supervisor-load"),
    path("evidence/<int:pk>/", evidence.evidence_download, name="evidence-download"),
]
