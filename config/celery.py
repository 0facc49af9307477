"""The Celery application.

With ``REDIS_URL`` set, Redis is the broker. Without it (the embedded default used by
``make run``), Celery uses kombu's filesystem transport under ``var/celery/``: a real
broker shared by the web process and the worker, so background and scheduled work keep
running on a machine with no Redis server. See README "Background work".
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("kgportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender, **kwargs):
    """The filesystem transport needs its folders before the first message, in any process."""
    if str(sender.conf.broker_url or "").startswith("filesystem://"):
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            folder = (sender.conf.broker_transport_options or {}).get(key)
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)
