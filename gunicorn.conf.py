"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py`` (docs/operations.md).

Chosen on the 2-core machine the portal was measured on (PostgreSQL and Redis on the same host)
with bench/throughput.py (30,000 kindergartens, config.settings.production, loopback, 4 client
connections). That machine was shared and busy (load average 6-12 during the runs): req/s of one
configuration moved by up to 2x from run to run (3 sync workers, API list as the city viewer: 17,
21, 31 req/s), so no configuration of 2-5 sync workers was faster in every run. What held still:

- ``worker_class = "sync"``: a request is CPU-bound Python (CPU per request in one process: login
  page 1.7 ms, record 6.7 ms, API list 9.4-10.5 ms; the database a fraction of it), and gthread's
  threads share one interpreter lock. In every gthread run the login page's req/s doubled
  (281-322 against 90-243 with sync) because the load client kept its connections alive, which
  nginx in front does not do (HTTP/1.0 to the upstream unless configured), while the other pages
  stayed where sync had them (API list 16-24 req/s, sync 12-31).
- ``workers = 3`` (``WEB_CONCURRENCY`` overrides it): cores + 1, so that both cores stay busy while
  one worker waits for PostgreSQL. 2 workers had the lowest API-list figure of its round in two of
  three rounds (12 against 17-21 req/s); 4 and 5 were not faster than 3 in any page consistently,
  and each worker holds ~80 MB (RSS).
- ``preload_app`` with ``gc.freeze()`` in the master before each fork: the workers share the loaded
  code (PSS of master + 3 workers: 220 MB without, 187 MB with), and the objects loaded at start-up
  are no longer walked by the garbage collector. Measured in one process with the production
  settings (gc.callbacks, CPU time, the login, record, bureau list and API pages in turn): garbage
  collection cost 0.6 ms per request, a full collection 120-160 ms once every ~480 requests (a
  latency spike); after ``gc.freeze()`` a full collection costs ~30 ms (0.06 ms per request), and
  with the first threshold at 7,000 instead of 700 the young collections cost 0.2 instead of 0.3 ms
  per request (50,000 was worse: 0.6 ms). Preloading means a HUP does not load new code: a
  release restarts the service (docs/operations.md).
- ``timeout = 30``: no page takes more than a few seconds; exports and large imports run on the
  Celery worker (core.jobs), so a request that reaches 30 s is stuck and its worker is replaced.
"""

import gc
import os

wsgi_app = "config.wsgi:application"
bind = "127.0.0.1:8000"  # nginx in front (docs/operations.md)
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = 30
preload_app = True
# gunicorn 27 otherwise opens a control socket under the service user's home directory.
control_socket_disable = True


def pre_fork(server, worker):
    """In the master, before each worker is forked: nothing shared that must not be, less to collect."""
    from django.db import connections

    # A database connection opened while loading would be one socket used by several processes.
    connections.close_all()
    gc.freeze()


def post_fork(server, worker):
    gc.set_threshold(7000, 10, 10)
