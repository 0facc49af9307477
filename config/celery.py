"""The Celery application.

With ``REDIS_URL`` set, Redis is the broker. Without it (the embedded default used by
``make run``), Celery uses kombu's filesystem transport under ``var/celery/``: a real
broker shared by the web process and the worker, so background and scheduled work keep
running on a machine with no Redis server. See README "Background work".
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("kgportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
