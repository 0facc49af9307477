"""Settings read from the environment; production refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from config.env import env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]


def load_production(**env) -> subprocess.CompletedProcess:
    drop = ("SECRET_KEY", "ALLOWED_HOSTS", "PII_HMAC_KEY", "DJANGO_SETTINGS_MODULE")
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    clean.update(env)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.production'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT)"
    )
    return subprocess.run(  # noqa: S603  (our own interpreter, fixed code)
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def test_production_refuses_to_start_without_secret_key():
    result = load_production(ALLOWED_HOSTS="portal.example.gov.cn")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = load_production(SECRET_KEY="x" * 60, PII_HMAC_KEY="y" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_refuses_to_start_without_its_own_pii_key():
    result = load_production(SECRET_KEY="x" * 60, ALLOWED_HOSTS="portal.example.gov.cn")
    assert result.returncode != 0
    assert "PII_HMAC_KEY" in result.stderr


def test_a_negative_proxy_count_is_refused():
    result = load_production(
        SECRET_KEY="x" * 60, PII_HMAC_KEY="y" * 60, ALLOWED_HOSTS="portal.example.gov.cn", AXES_PROXY_COUNT="-1"
    )
    assert result.returncode != 0
    assert "AXES_PROXY_COUNT" in result.stderr


def test_production_has_secure_cookies_and_debug_off():
    result = load_production(
        SECRET_KEY="x" * 60, PII_HMAC_KEY="y" * 60, ALLOWED_HOSTS="portal.example.gov.cn", DEBUG="1"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True"]


def test_env_helpers_reject_bad_values(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_BOOL", "off")
    assert env_bool("X_BOOL", True) is False


def test_time_zone_and_language(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"


def test_responses_carry_a_strict_csp_and_no_framing(client, db):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_error_pages_are_chinese_and_leak_nothing(client, cast):
    client.force_login(cast.bureau_staff)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert "no-such-page" not in html and "Traceback" not in html
    response = client.get(reverse("kindergartens:edit", kwargs={"pk": cast.kg_a1.pk}))
    assert response.status_code == 200
    client.force_login(cast.kg_director)
    response = client.get(reverse("kindergartens:edit", kwargs={"pk": cast.kg_a1.pk}))
    assert response.status_code == 403 and "没有权限" in response.content.decode()


def test_server_error_page(client, db, settings):
    from core.views import server_error

    response = server_error(client.get("/").wsgi_request)
    assert response.status_code == 500
    assert "服务器错误" in response.content.decode()


def test_static_assets_are_vendored():
    for path in ["static/vendor/bootstrap/bootstrap.min.css", "static/vendor/bootstrap/bootstrap.bundle.min.js"]:
        assert (ROOT / path).stat().st_size > 10_000
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, f"{template} loads something from the internet"


def test_production_caches_the_user_only_with_a_shared_cache():
    base = {"SECRET_KEY": "x" * 60, "PII_HMAC_KEY": "y" * 60, "ALLOWED_HOSTS": "portal.example.gov.cn"}
    refused = load_production(**base, USER_CACHE_SECONDS="300", REDIS_URL="")
    assert refused.returncode != 0
    assert "USER_CACHE_SECONDS" in refused.stderr
    assert load_production(**base, REDIS_URL="").returncode == 0  # off without Redis
    assert load_production(**base, USER_CACHE_SECONDS="300", REDIS_URL="redis://127.0.0.1:6379/15").returncode == 0
