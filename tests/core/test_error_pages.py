"""The portal's own error pages in every setting (DEBUG too), and one log line per expected 403/404."""

import logging

import pytest
from django.urls import reverse

from core.logging import ExpectedErrorsWithoutTraceback


@pytest.fixture(params=[False, True], ids=["production-like", "DEBUG"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_out_of_scope_record_gets_the_portal_404(client, cast, debug):
    client.force_login(cast.kg_staff)
    response = client.get(reverse("kindergartens:detail", kwargs={"pk": cast.kg_b1.pk}))
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert "Page not found" not in html and "URLconf" not in html and "Raised by" not in html


def test_unknown_url_gets_the_portal_404(client, cast, debug):
    client.force_login(cast.kg_staff)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "URLconf" not in html and "no-such-page" not in html


def test_no_right_gets_the_portal_403(client, cast, debug):
    client.force_login(cast.kg_director)
    response = client.get(reverse("kindergartens:edit", kwargs={"pk": cast.kg_a1.pk}))
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


def test_csrf_failure_gets_the_portal_403_in_chinese(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.bureau_staff)
    response = client.post(reverse("kindergartens:edit", kwargs={"pk": cast.kg_a1.pk}), {"name": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期" in html and "CSRF" not in html.replace("（CSRF）", "")
    assert "Forbidden" not in html


def test_an_expected_403_logs_one_line_without_traceback(client, cast, caplog):
    client.force_login(cast.kg_director)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(reverse("kindergartens:edit", kwargs={"pk": cast.kg_a1.pk}))
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].getMessage().startswith("Forbidden") and records[0].exc_info is None


def test_an_expected_404_logs_one_line_without_traceback(client, cast, caplog):
    client.force_login(cast.kg_staff)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(reverse("kindergartens:detail", kwargs={"pk": cast.kg_b1.pk}))
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1 and records[0].exc_info is None


def test_the_log_filter_drops_tracebacks_of_client_errors_only():
    keep = ExpectedErrorsWithoutTraceback()

    def record(name, status, exc=True):
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            exc_info = sys.exc_info() if exc else None
        rec = logging.LogRecord(name, logging.WARNING, __file__, 1, "msg", (), exc_info)
        if status is not None:
            rec.status_code = status
        return rec

    for rec in (record("django.request", 403), record("django.security.DisallowedHost", None)):
        assert keep.filter(rec) and rec.exc_info is None
    server_error = record("django.request", 500)
    assert keep.filter(server_error) and server_error.exc_info is not None
    other = record("kindergartens", None)
    assert keep.filter(other) and other.exc_info is not None


def test_the_console_handler_uses_the_filter(settings):
    assert "expected_errors" in settings.LOGGING["handlers"]["console"]["filters"]
