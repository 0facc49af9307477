"""A job through a real Celery worker: Redis (as in production), and kombu's filesystem transport
(the embedded default of ``make run``, no Redis server). The worker runs in a thread of this process
(celery.contrib.testing), so the database must be transactional."""

import os
import threading

import pytest
from celery.signals import task_postrun
from django.urls import reverse

from config.celery import app
from core.models import Job
from kindergartens.services.imports import kindergarten_export_start
from tests.conftest import redis_reachable, service_missing
from tests.kindergartens.fixtures_excel import read_sheet


class _Runs:
    """Counts the worker thread's runs of run_job, per job. Waiting on it, not polling the database,
    keeps this thread off SQLite's shared in-memory tables while the worker writes."""

    def __init__(self):
        self.done: dict[int, int] = {}
        self.condition = threading.Condition()

    def __call__(self, sender=None, kwargs=None, **extra):
        if getattr(sender, "name", "") == "core.tasks.run_job":
            with self.condition:
                job_id = (kwargs or {}).get("job_id")
                self.done[job_id] = self.done.get(job_id, 0) + 1
                self.condition.notify_all()

    def wait_for(self, job_id: int, count: int, seconds: float = 60) -> None:
        with self.condition:
            assert self.condition.wait_for(lambda: self.done.get(job_id, 0) >= count, timeout=seconds), (
                f"the worker ran job {job_id} {self.done.get(job_id, 0)} of {count} times within {seconds} s"
            )


def _drop_connections() -> None:
    """Forget the app's connection and producer pools (Celery's app.close() keeps the producer pool,
    which then publishes to the previous broker)."""
    app._pool = None  # not closed: kombu's registry may hand the same pool to the next producer
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def _export_through_worker(client, cast, conf: dict) -> None:
    from celery.contrib.testing.worker import start_worker

    app.loader.import_default_modules()  # what a worker does at start: every app's tasks
    keys = ("broker_url", "result_backend", "task_always_eager", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}
    _drop_connections()  # made with another broker
    app.conf.update(task_always_eager=False, **conf)
    runs = _Runs()
    task_postrun.connect(runs, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            job = kindergarten_export_start(actor=cast.bureau_staff, query="q=%E8%A5%BF%E5%AE%89")  # q=西安
            runs.wait_for(job.pk, 1)
            # A second delivery of the same message finds the job done and does nothing.
            app.tasks["core.tasks.run_job"].delay(job_id=job.pk, actor_id=cast.bureau_staff.pk)
            runs.wait_for(job.pk, 2)
    finally:
        task_postrun.disconnect(runs)
        _drop_connections()
        app.conf.update(**saved)
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    finished_at = job.finished_at
    job.refresh_from_db()
    assert job.finished_at == finished_at
    client.force_login(cast.bureau_staff)
    response = client.get(reverse("core:job-download", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    rows = read_sheet(b"".join(response.streaming_content))
    assert [r[1] for r in rows[1:]] == [cast.kg_a2.name]


@pytest.mark.django_db(transaction=True)
def test_an_export_runs_on_a_real_worker_without_redis(transactional_db, cast, client, settings, tmp_path):
    """The embedded default: kombu's filesystem transport, as `make run` uses when REDIS_URL is unset."""
    settings.MEDIA_ROOT = tmp_path / "media"
    queue = tmp_path / "queue"
    queue.mkdir()
    (tmp_path / "processed").mkdir()
    (tmp_path / "control").mkdir()
    options = {
        "control_folder": str(tmp_path / "control"),
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(tmp_path / "processed"),
        "store_processed": False,
    }
    _export_through_worker(
        client, cast, {"broker_url": "portalfs://", "result_backend": None, "broker_transport_options": options}
    )


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_export_runs_on_a_real_worker_through_redis(transactional_db, cast, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    if not redis_reachable(url):
        service_missing(f"Redis at {url} is unreachable")
    _export_through_worker(client, cast, {"broker_url": url, "result_backend": url, "broker_transport_options": {}})
