"""The Celery application.

With ``REDIS_URL`` set, Redis is the broker. Without it (the embedded default used by
``make run``), Celery uses kombu's filesystem transport (with atomic writes, core/broker.py) under ``var/celery/``: a real
broker shared by the web process and the worker, so background and scheduled work keep
running on a machine with no Redis server. See README "Background work".
"""

import os
from pathlib import Path

from celery import Celery

from core.broker import register as _register_embedded_broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

_register_embedded_broker()  # "portalfs://": before any connection, in every process

app = Celery("kgportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender, **kwargs):
    """The filesystem transport needs its folders before the first message, in any process."""
    if str(sender.conf.broker_url or "").startswith(("filesystem://", "portalfs://")):
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            folder = (sender.conf.broker_transport_options or {}).get(key)
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)
