"""gunicorn settings for production (docs/operations.md: ``gunicorn -c gunicorn.conf.py``).

Provisional: 3 sync workers as before; the figures that choose the final values come next.
"""

bind = "127.0.0.1:8000"
wsgi_app = "config.wsgi:application"
workers = 3
worker_class = "sync"
timeout = 30
# gunicorn 27 otherwise opens a control socket under the service user's home directory.
control_socket_disable = True
