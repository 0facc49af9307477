"""Logging pieces referenced from settings.LOGGING."""

import logging


class ExpectedErrorsWithoutTraceback(logging.Filter):
    """An expected refusal (403, 404, a bad Host header, a failed CSRF check) is one log line.

    Django logs these through ``django.request`` (with the status code) and ``django.security.*``,
    some with the exception's traceback attached; a traceback is kept only for server errors.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        expected = record.name.startswith("django.security") or (
            record.name == "django.request" and status is not None and status < 500
        )
        if expected:
            record.exc_info = None
            record.exc_text = None
        return True
