"""The report tasks on a real Celery worker (a thread of this process): kombu's filesystem transport
(the embedded default) and Redis (CI). Transactional tests, kept in their own file like
tests/core/test_jobs_worker.py: pytest-django runs them after the others, so the flush that ends each
one does not take the migrations' rows away from tests that rely on them."""

import os
import threading

import pytest
from celery.signals import task_postrun

from config.celery import app
from core.models import Notification
from reports.models import Submission
from tests.conftest import redis_reachable, service_missing


class _Runs:
    def __init__(self):
        self.names: list[str] = []
        self.condition = threading.Condition()

    def __call__(self, sender=None, **extra):
        with self.condition:
            self.names.append(getattr(sender, "name", ""))
            self.condition.notify_all()

    def wait_for(self, name: str, count: int, seconds: float = 60) -> None:
        with self.condition:
            assert self.condition.wait_for(lambda: self.names.count(name) >= count, timeout=seconds), self.names


def _through_worker(conf: dict) -> None:
    from celery.contrib.testing.worker import start_worker

    from tests.core.test_jobs_worker import _drop_connections

    app.loader.import_default_modules()
    keys = ("broker_url", "result_backend", "task_always_eager", "broker_transport_options", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    _drop_connections()
    # A queue of its own: another test process may run a worker on the same Redis at the same time
    # (tests/core/test_jobs_worker.py), and must not take these messages, nor this worker theirs. The
    # app's AMQP object keeps the queues it was first built with: it is rebuilt here and afterwards.
    app.__dict__.pop("amqp", None)
    app.conf.update(task_always_eager=False, task_default_queue="tests-reports-worker", **conf)
    runs = _Runs()
    task_postrun.connect(runs, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            for _ in range(2):  # a doubled beat
                app.send_task("reports.tasks.open_submissions")
            runs.wait_for("reports.tasks.open_submissions", 2)
            for _ in range(2):
                app.send_task("reports.tasks.send_reminders")
            runs.wait_for("reports.tasks.send_reminders", 2)
    finally:
        task_postrun.disconnect(runs)
        _drop_connections()
        app.conf.update(**saved)
        app.__dict__.pop("amqp", None)


def _check_worker_outcome(cast):
    from reports.models import ReportType

    months = Submission.objects.values_list("report_type", "month", "kindergarten", "district")
    assert len(months) == len(set(months)) > 0  # each (type, month, submitter) once
    assert ReportType.objects.filter(code__in=["kg-monthly", "district-monthly"]).count() == 2
    keys = list(Notification.objects.values_list("recipient", "digest_key"))
    assert len(keys) == len(set(keys))  # one digest per person and day, however many runs


@pytest.mark.django_db(transaction=True)
def test_tasks_on_a_real_worker_without_redis(transactional_db, rcast, tmp_path):
    """The embedded default (kombu's filesystem transport): the same schedule runs without Redis."""
    folders = {name: tmp_path / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    options = {
        "control_folder": str(folders["control"]),
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "store_processed": False,
    }
    _through_worker({"broker_url": "portalfs://", "result_backend": None, "broker_transport_options": options})
    _check_worker_outcome(rcast)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_tasks_on_a_real_worker_through_redis(transactional_db, rcast):
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    if not redis_reachable(url):
        service_missing(f"Redis at {url} is unreachable")
    _through_worker({"broker_url": url, "result_backend": url, "broker_transport_options": {}})
    _check_worker_outcome(rcast)
