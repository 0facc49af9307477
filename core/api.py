from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size = 50


def exception_handler(exc, context):
    return drf_exception_handler(exc, context)
