"""Celery: the app's configuration, and a real worker against the real Redis broker."""

import os
import time

import pytest
from django.utils import timezone

from config.celery import app
from core.models import WorkerHeartbeat
from tests.conftest import redis_reachable, service_missing


def test_beat_schedule_runs_the_heartbeat(settings):
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    assert settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]["task"] == "core.tasks.heartbeat"
    assert "core.tasks.heartbeat" in app.tasks
    assert app.conf.timezone == "Asia/Shanghai"


def test_embedded_default_uses_the_filesystem_broker_without_redis():
    """Without REDIS_URL the broker is kombu's filesystem transport, so `make run` needs no Redis."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    code = "import django; django.setup(); from django.conf import settings as s; print(s.CELERY_BROKER_URL)"
    out = subprocess.run(  # noqa: S603  (our own interpreter, fixed code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "portalfs://"


def _beat_exists(name: str) -> bool:
    """SQLite's shared in-memory test database locks a table while the worker thread writes it:
    a poll that meets the lock just polls again."""
    from django.db import OperationalError

    try:
        return WorkerHeartbeat.objects.filter(name=name).exists()
    except OperationalError:
        return False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_the_heartbeat_through_redis():
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    if not redis_reachable(url):
        service_missing(f"Redis at {url} is unreachable")
    from celery.contrib.testing.worker import start_worker

    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            app.send_task("core.tasks.heartbeat", kwargs={"name": "test-worker"})
            deadline = time.monotonic() + 20
            while not _beat_exists("test-worker"):
                assert time.monotonic() < deadline, "the worker did not run the task within 20 s"
                time.sleep(0.1)
    finally:
        app.conf.update(**saved)
    beat = WorkerHeartbeat.objects.get(name="test-worker")
    assert (timezone.now() - beat.beat_at).total_seconds() < 60
