"""The login lock behind the reverse proxy, over real HTTP with production settings.

gunicorn runs ``config.settings.production`` with ``AXES_PROXY_COUNT=1`` (as docs/operations.md
prescribes) on a free loopback port, so every request comes from 127.0.0.1 like it does from
nginx, and the client's address is only in X-Forwarded-For, as nginx writes it. Five wrong
passwords from one client lock that username for that client only; another client still signs in.
The server has its own SQLite file, migrated and given one account before it starts.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Proxy-test-2026"
CLIENT_A = "203.0.113.5"
CLIENT_B = "198.51.100.7"

SETUP = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
# Only what the login pages load; the admin's and Swagger's files are not needed here.
call_command("collectstatic", interactive=False, verbosity=0,
             ignore_patterns=["admin", "rest_framework", "drf_spectacular_sidecar"])
from accounts.models import User
User.objects.create_user("dawa_staff", password={PASSWORD!r}, role="bureau_staff", full_name="测试")
User.objects.create_user("dawa_admin", password={PASSWORD!r}, role="bureau_admin", full_name="测试")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn behind an imaginary nginx: requests carry the headers nginx would add."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"

    def request(self, method, path, *, client, body=None, headers=None, forwarded=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {
            "Host": f"127.0.0.1:{self.port}",
            # nginx: X-Forwarded-For $proxy_add_x_forwarded_for; X-Forwarded-Proto $scheme.
            "X-Forwarded-For": forwarded or client,
            "X-Forwarded-Proto": "https",
            **(headers or {}),
        }
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            connection.close()

    def login(self, username, password, *, client, forwarded=None) -> int:
        status, headers, html = self.request("GET", "/accounts/login/", client=client)
        assert status == 200, html[:500]
        cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        status, _headers, _html = self.request(
            "POST",
            "/accounts/login/",
            client=client,
            forwarded=forwarded,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
                "Origin": self.origin,
            },
        )
        return status

    def token(self, username, password, *, client) -> int:
        body = json.dumps({"username": username, "password": password})
        status, _headers, _text = self.request(
            "POST", "/api/v1/auth/token/", client=client, body=body, headers={"Content-Type": "application/json"}
        )
        return status


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("proxy")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="proxy-test-" + "k" * 60,
        PII_HMAC_KEY="proxy-test-" + "p" * 60,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        VAR_DIR=str(tmp / "var"),
        STATIC_ROOT=str(tmp / "static"),
        AXES_PROXY_COUNT="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, timeout=300)  # noqa: S603
    port = _free_port()
    log = (tmp / "gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if server.request("GET", "/healthz/", client="192.0.2.1")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + (tmp / "gunicorn.log").read_text())
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_the_login_page_locks_the_username_for_that_client_only(server):
    for _ in range(4):
        assert server.login("dawa_staff", "wrong-password", client=CLIENT_A) == 200
    assert server.login("dawa_staff", "wrong-password", client=CLIENT_A) == 429  # the fifth locks
    assert server.login("dawa_staff", PASSWORD, client=CLIENT_A) == 429
    # Writing another address into the header does not get round the lock: nginx appends the real one.
    assert server.login("dawa_staff", PASSWORD, client=CLIENT_A, forwarded=f"192.0.2.99, {CLIENT_A}") == 429
    # Another client (another office), same username, same proxy in between: not locked.
    assert server.login("dawa_staff", PASSWORD, client=CLIENT_B) == 302


def test_the_token_endpoint_locks_the_username_for_that_client_only(server):
    for _ in range(4):
        assert server.token("dawa_admin", "wrong-password", client=CLIENT_A) == 400
    assert server.token("dawa_admin", "wrong-password", client=CLIENT_A) == 429
    assert server.token("dawa_admin", PASSWORD, client=CLIENT_A) == 429
    assert server.token("dawa_admin", PASSWORD, client=CLIENT_B) == 200
