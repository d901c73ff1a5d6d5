"""Page-number pagination: ?page=, ?page_size= (at most 500)."""

from rest_framework.pagination import PageNumberPagination

from anjian.core.paging import DeferredPaginator


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = "页码无效。"


class DeferredPagination(StandardPagination):
    """StandardPagination for big sorted lists: the page's keys first, then its rows (core.paging)."""

    django_paginator_class = DeferredPaginator
